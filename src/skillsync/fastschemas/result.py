"""Generated from schemas/result.schema.json by `python -m skillsync.jsonschemas --write` (fastjsonschema 2.22.3); do not edit. See skillsync.jsonschemas."""
# ruff: noqa
# mypy: ignore-errors
SCHEMA_SHA256 = "ef2c829cecdee28b8291849d2c278b36480a0237a6d99dab02ef7ce96970ff41"
VERSION = "2.22.3"
import re
from skillsync.fastschemas._runtime import Decimal, JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[a-z0-9][a-z0-9._-]{0,63}$': re.compile('^[a-z0-9][a-z0-9._-]{0,63}\\Z'),
    '^[0-9a-f]{40}([0-9a-f]{24})?$': re.compile('^[0-9a-f]{40}([0-9a-f]{24})?\\Z'),
    '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$': re.compile('^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock\\Z)(?!.*/\\Z)(?!.*\\.\\Z)[A-Za-z0-9._/+-]+\\Z'),
    '^https?://[^\\s]+$': re.compile('^https?://[^\\s]+\\Z'),
    '^[^\\u0000-\\u001f\\u007f-\\u009f]*$': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f]*\\Z'),
    '^[A-Z_][A-Z0-9_]*$': re.compile('^[A-Z_][A-Z0-9_]*\\Z')
}

NoneType = type(None)

def validate_skillsync_result_v1(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.result/v1', 'title': 'skillsync result of one target (RUN_DIR/results/<target>.json)', 'description': 'Written by sync, sync-target and merge-runs; read back by report, rollback, sync --rerun-failed. The file name is the target id.', 'type': 'object', 'additionalProperties': False, 'required': ['target', 'mechanism', 'status', 'message'], 'properties': {'target': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'status': {'enum': ['synced', 'no-op', 'planned', 'skipped', 'halted', 'failed', 'not-attempted', 'pending', 'unknown'], 'description': 'unknown: the run stopped without a result and the target was found at a commit of the run (or could not be checked)'}, 'message': {'type': 'string'}, 'error': {'type': ['string', 'null']}, 'commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'branch': {'type': ['string', 'null'], 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, 'pull_request': {'type': ['object', 'null'], 'properties': {'action': {'type': 'string'}, 'number': {'type': ['integer', 'null'], 'minimum': 1}, 'url': {'type': ['string', 'null'], 'pattern': '^https?://[^\\s]+$'}, 'api_url': {'type': ['string', 'null']}, 'calls': {'type': 'integer', 'minimum': 0}}}, 'changes': {'type': 'object', 'additionalProperties': False, 'properties': {'add': {'type': 'integer', 'minimum': 0}, 'modify': {'type': 'integer', 'minimum': 0}, 'delete': {'type': 'integer', 'minimum': 0}}}, 'data': {'type': 'object', 'properties': {'wave': {'type': ['integer', 'null'], 'minimum': 0}, 'dry_run': {'type': 'boolean'}, 'meta': {'type': 'object', 'description': 'what the summary and notifications need to know about the target (sync.target_meta)', 'properties': {'owner': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'escalation': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'notify': {'type': 'object', 'properties': {'github_issue': {'type': 'boolean'}, 'slack': {'type': 'boolean'}, 'email': {'type': 'array', 'items': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}}, 'auth': {'type': 'object', 'properties': {'method': {'enum': ['none', 'token', 'hmac', 'github-app']}, 'env': {'type': ['string', 'null'], 'pattern': '^[A-Z_][A-Z0-9_]*$'}}}}}, 'snapshot': {'type': 'string'}, 'fallback': {'type': 'string'}, 'verified': {'type': ['boolean', 'string']}, 'git': {'type': 'object', 'additionalProperties': {'type': 'integer', 'minimum': 0}}, 'rate_wait_seconds': {'type': 'number', 'minimum': 0, 'description': "seconds this target's GitHub calls waited for the rate limiter and for GitHub's own limits (skillsync.pacing)"}}}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['target', 'mechanism', 'status', 'message']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.result/v1', 'title': 'skillsync result of one target (RUN_DIR/results/<target>.json)', 'description': 'Written by sync, sync-target and merge-runs; read back by report, rollback, sync --rerun-failed. The file name is the target id.', 'type': 'object', 'additionalProperties': False, 'required': ['target', 'mechanism', 'status', 'message'], 'properties': {'target': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'status': {'enum': ['synced', 'no-op', 'planned', 'skipped', 'halted', 'failed', 'not-attempted', 'pending', 'unknown'], 'description': 'unknown: the run stopped without a result and the target was found at a commit of the run (or could not be checked)'}, 'message': {'type': 'string'}, 'error': {'type': ['string', 'null']}, 'commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'branch': {'type': ['string', 'null'], 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, 'pull_request': {'type': ['object', 'null'], 'properties': {'action': {'type': 'string'}, 'number': {'type': ['integer', 'null'], 'minimum': 1}, 'url': {'type': ['string', 'null'], 'pattern': '^https?://[^\\s]+$'}, 'api_url': {'type': ['string', 'null']}, 'calls': {'type': 'integer', 'minimum': 0}}}, 'changes': {'type': 'object', 'additionalProperties': False, 'properties': {'add': {'type': 'integer', 'minimum': 0}, 'modify': {'type': 'integer', 'minimum': 0}, 'delete': {'type': 'integer', 'minimum': 0}}}, 'data': {'type': 'object', 'properties': {'wave': {'type': ['integer', 'null'], 'minimum': 0}, 'dry_run': {'type': 'boolean'}, 'meta': {'type': 'object', 'description': 'what the summary and notifications need to know about the target (sync.target_meta)', 'properties': {'owner': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'escalation': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'notify': {'type': 'object', 'properties': {'github_issue': {'type': 'boolean'}, 'slack': {'type': 'boolean'}, 'email': {'type': 'array', 'items': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}}, 'auth': {'type': 'object', 'properties': {'method': {'enum': ['none', 'token', 'hmac', 'github-app']}, 'env': {'type': ['string', 'null'], 'pattern': '^[A-Z_][A-Z0-9_]*$'}}}}}, 'snapshot': {'type': 'string'}, 'fallback': {'type': 'string'}, 'verified': {'type': ['boolean', 'string']}, 'git': {'type': 'object', 'additionalProperties': {'type': 'integer', 'minimum': 0}}, 'rate_wait_seconds': {'type': 'number', 'minimum': 0, 'description': "seconds this target's GitHub calls waited for the rate limiter and for GitHub's own limits (skillsync.pacing)"}}}}}, rule='required')
        data_keys = set(data.keys())
        if "target" in data_keys:
            data_keys.remove("target")
            data__target = data["target"]
            if not isinstance(data__target, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".target must be string", value=data__target, name="" + (name_prefix or "data") + ".target", definition={'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, rule='type')
            if isinstance(data__target, str):
                if not REGEX_PATTERNS['^[a-z0-9][a-z0-9._-]{0,63}$'].search(data__target):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".target must match pattern ^[a-z0-9][a-z0-9._-]{0,63}$", value=data__target, name="" + (name_prefix or "data") + ".target", definition={'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, rule='pattern')
        if "mechanism" in data_keys:
            data_keys.remove("mechanism")
            data__mechanism = data["mechanism"]
            if not (isinstance(data__mechanism, str) and data__mechanism == 'pull-request' or isinstance(data__mechanism, str) and data__mechanism == 'push' or isinstance(data__mechanism, str) and data__mechanism == 'submodule' or isinstance(data__mechanism, str) and data__mechanism == 'webhook'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".mechanism must be one of ['pull-request', 'push', 'submodule', 'webhook']", value=data__mechanism, name="" + (name_prefix or "data") + ".mechanism", definition={'enum': ['pull-request', 'push', 'submodule', 'webhook']}, rule='enum')
        if "status" in data_keys:
            data_keys.remove("status")
            data__status = data["status"]
            if not (isinstance(data__status, str) and data__status == 'synced' or isinstance(data__status, str) and data__status == 'no-op' or isinstance(data__status, str) and data__status == 'planned' or isinstance(data__status, str) and data__status == 'skipped' or isinstance(data__status, str) and data__status == 'halted' or isinstance(data__status, str) and data__status == 'failed' or isinstance(data__status, str) and data__status == 'not-attempted' or isinstance(data__status, str) and data__status == 'pending' or isinstance(data__status, str) and data__status == 'unknown'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".status must be one of ['synced', 'no-op', 'planned', 'skipped', 'halted', 'failed', 'not-attempted', 'pending', 'unknown']", value=data__status, name="" + (name_prefix or "data") + ".status", definition={'enum': ['synced', 'no-op', 'planned', 'skipped', 'halted', 'failed', 'not-attempted', 'pending', 'unknown'], 'description': 'unknown: the run stopped without a result and the target was found at a commit of the run (or could not be checked)'}, rule='enum')
        if "message" in data_keys:
            data_keys.remove("message")
            data__message = data["message"]
            if not isinstance(data__message, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".message must be string", value=data__message, name="" + (name_prefix or "data") + ".message", definition={'type': 'string'}, rule='type')
        if "error" in data_keys:
            data_keys.remove("error")
            data__error = data["error"]
            if not isinstance(data__error, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".error must be string or null", value=data__error, name="" + (name_prefix or "data") + ".error", definition={'type': ['string', 'null']}, rule='type')
        if "commit" in data_keys:
            data_keys.remove("commit")
            data__commit = data["commit"]
            if not isinstance(data__commit, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".commit must be string or null", value=data__commit, name="" + (name_prefix or "data") + ".commit", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='type')
            if isinstance(data__commit, str):
                if not REGEX_PATTERNS['^[0-9a-f]{40}([0-9a-f]{24})?$'].search(data__commit):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".commit must match pattern ^[0-9a-f]{40}([0-9a-f]{24})?$", value=data__commit, name="" + (name_prefix or "data") + ".commit", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='pattern')
        if "branch" in data_keys:
            data_keys.remove("branch")
            data__branch = data["branch"]
            if not isinstance(data__branch, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".branch must be string or null", value=data__branch, name="" + (name_prefix or "data") + ".branch", definition={'type': ['string', 'null'], 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, rule='type')
            if isinstance(data__branch, str):
                if not REGEX_PATTERNS['^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'].search(data__branch):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".branch must match pattern ^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$", value=data__branch, name="" + (name_prefix or "data") + ".branch", definition={'type': ['string', 'null'], 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, rule='pattern')
        if "pull_request" in data_keys:
            data_keys.remove("pull_request")
            data__pullrequest = data["pull_request"]
            if not isinstance(data__pullrequest, (dict, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request must be object or null", value=data__pullrequest, name="" + (name_prefix or "data") + ".pull_request", definition={'type': ['object', 'null'], 'properties': {'action': {'type': 'string'}, 'number': {'type': ['integer', 'null'], 'minimum': 1}, 'url': {'type': ['string', 'null'], 'pattern': '^https?://[^\\s]+$'}, 'api_url': {'type': ['string', 'null']}, 'calls': {'type': 'integer', 'minimum': 0}}}, rule='type')
            data__pullrequest_is_dict = isinstance(data__pullrequest, dict)
            if data__pullrequest_is_dict:
                data__pullrequest_keys = set(data__pullrequest.keys())
                if "action" in data__pullrequest_keys:
                    data__pullrequest_keys.remove("action")
                    data__pullrequest__action = data__pullrequest["action"]
                    if not isinstance(data__pullrequest__action, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.action must be string", value=data__pullrequest__action, name="" + (name_prefix or "data") + ".pull_request.action", definition={'type': 'string'}, rule='type')
                if "number" in data__pullrequest_keys:
                    data__pullrequest_keys.remove("number")
                    data__pullrequest__number = data__pullrequest["number"]
                    if not isinstance(data__pullrequest__number, (int, NoneType)) and not (isinstance(data__pullrequest__number, float) and data__pullrequest__number.is_integer()) or isinstance(data__pullrequest__number, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.number must be integer or null", value=data__pullrequest__number, name="" + (name_prefix or "data") + ".pull_request.number", definition={'type': ['integer', 'null'], 'minimum': 1}, rule='type')
                    if isinstance(data__pullrequest__number, (int, float, Decimal)) and not isinstance(data__pullrequest__number, bool):
                        if data__pullrequest__number < 1:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.number must be bigger than or equal to 1", value=data__pullrequest__number, name="" + (name_prefix or "data") + ".pull_request.number", definition={'type': ['integer', 'null'], 'minimum': 1}, rule='minimum')
                if "url" in data__pullrequest_keys:
                    data__pullrequest_keys.remove("url")
                    data__pullrequest__url = data__pullrequest["url"]
                    if not isinstance(data__pullrequest__url, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.url must be string or null", value=data__pullrequest__url, name="" + (name_prefix or "data") + ".pull_request.url", definition={'type': ['string', 'null'], 'pattern': '^https?://[^\\s]+$'}, rule='type')
                    if isinstance(data__pullrequest__url, str):
                        if not REGEX_PATTERNS['^https?://[^\\s]+$'].search(data__pullrequest__url):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.url must match pattern ^https?://[^\\s]+$", value=data__pullrequest__url, name="" + (name_prefix or "data") + ".pull_request.url", definition={'type': ['string', 'null'], 'pattern': '^https?://[^\\s]+$'}, rule='pattern')
                if "api_url" in data__pullrequest_keys:
                    data__pullrequest_keys.remove("api_url")
                    data__pullrequest__apiurl = data__pullrequest["api_url"]
                    if not isinstance(data__pullrequest__apiurl, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.api_url must be string or null", value=data__pullrequest__apiurl, name="" + (name_prefix or "data") + ".pull_request.api_url", definition={'type': ['string', 'null']}, rule='type')
                if "calls" in data__pullrequest_keys:
                    data__pullrequest_keys.remove("calls")
                    data__pullrequest__calls = data__pullrequest["calls"]
                    if not isinstance(data__pullrequest__calls, (int)) and not (isinstance(data__pullrequest__calls, float) and data__pullrequest__calls.is_integer()) or isinstance(data__pullrequest__calls, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.calls must be integer", value=data__pullrequest__calls, name="" + (name_prefix or "data") + ".pull_request.calls", definition={'type': 'integer', 'minimum': 0}, rule='type')
                    if isinstance(data__pullrequest__calls, (int, float, Decimal)) and not isinstance(data__pullrequest__calls, bool):
                        if data__pullrequest__calls < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.calls must be bigger than or equal to 0", value=data__pullrequest__calls, name="" + (name_prefix or "data") + ".pull_request.calls", definition={'type': 'integer', 'minimum': 0}, rule='minimum')
        if "changes" in data_keys:
            data_keys.remove("changes")
            data__changes = data["changes"]
            if not isinstance(data__changes, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes must be object", value=data__changes, name="" + (name_prefix or "data") + ".changes", definition={'type': 'object', 'additionalProperties': False, 'properties': {'add': {'type': 'integer', 'minimum': 0}, 'modify': {'type': 'integer', 'minimum': 0}, 'delete': {'type': 'integer', 'minimum': 0}}}, rule='type')
            data__changes_is_dict = isinstance(data__changes, dict)
            if data__changes_is_dict:
                data__changes_keys = set(data__changes.keys())
                if "add" in data__changes_keys:
                    data__changes_keys.remove("add")
                    data__changes__add = data__changes["add"]
                    if not isinstance(data__changes__add, (int)) and not (isinstance(data__changes__add, float) and data__changes__add.is_integer()) or isinstance(data__changes__add, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes.add must be integer", value=data__changes__add, name="" + (name_prefix or "data") + ".changes.add", definition={'type': 'integer', 'minimum': 0}, rule='type')
                    if isinstance(data__changes__add, (int, float, Decimal)) and not isinstance(data__changes__add, bool):
                        if data__changes__add < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes.add must be bigger than or equal to 0", value=data__changes__add, name="" + (name_prefix or "data") + ".changes.add", definition={'type': 'integer', 'minimum': 0}, rule='minimum')
                if "modify" in data__changes_keys:
                    data__changes_keys.remove("modify")
                    data__changes__modify = data__changes["modify"]
                    if not isinstance(data__changes__modify, (int)) and not (isinstance(data__changes__modify, float) and data__changes__modify.is_integer()) or isinstance(data__changes__modify, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes.modify must be integer", value=data__changes__modify, name="" + (name_prefix or "data") + ".changes.modify", definition={'type': 'integer', 'minimum': 0}, rule='type')
                    if isinstance(data__changes__modify, (int, float, Decimal)) and not isinstance(data__changes__modify, bool):
                        if data__changes__modify < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes.modify must be bigger than or equal to 0", value=data__changes__modify, name="" + (name_prefix or "data") + ".changes.modify", definition={'type': 'integer', 'minimum': 0}, rule='minimum')
                if "delete" in data__changes_keys:
                    data__changes_keys.remove("delete")
                    data__changes__delete = data__changes["delete"]
                    if not isinstance(data__changes__delete, (int)) and not (isinstance(data__changes__delete, float) and data__changes__delete.is_integer()) or isinstance(data__changes__delete, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes.delete must be integer", value=data__changes__delete, name="" + (name_prefix or "data") + ".changes.delete", definition={'type': 'integer', 'minimum': 0}, rule='type')
                    if isinstance(data__changes__delete, (int, float, Decimal)) and not isinstance(data__changes__delete, bool):
                        if data__changes__delete < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes.delete must be bigger than or equal to 0", value=data__changes__delete, name="" + (name_prefix or "data") + ".changes.delete", definition={'type': 'integer', 'minimum': 0}, rule='minimum')
                if data__changes_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".changes must not contain "+str(data__changes_keys)+" properties", value=data__changes, name="" + (name_prefix or "data") + ".changes", definition={'type': 'object', 'additionalProperties': False, 'properties': {'add': {'type': 'integer', 'minimum': 0}, 'modify': {'type': 'integer', 'minimum': 0}, 'delete': {'type': 'integer', 'minimum': 0}}}, rule='additionalProperties')
        if "data" in data_keys:
            data_keys.remove("data")
            data__data = data["data"]
            if not isinstance(data__data, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".data must be object", value=data__data, name="" + (name_prefix or "data") + ".data", definition={'type': 'object', 'properties': {'wave': {'type': ['integer', 'null'], 'minimum': 0}, 'dry_run': {'type': 'boolean'}, 'meta': {'type': 'object', 'description': 'what the summary and notifications need to know about the target (sync.target_meta)', 'properties': {'owner': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'escalation': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'notify': {'type': 'object', 'properties': {'github_issue': {'type': 'boolean'}, 'slack': {'type': 'boolean'}, 'email': {'type': 'array', 'items': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}}, 'auth': {'type': 'object', 'properties': {'method': {'enum': ['none', 'token', 'hmac', 'github-app']}, 'env': {'type': ['string', 'null'], 'pattern': '^[A-Z_][A-Z0-9_]*$'}}}}}, 'snapshot': {'type': 'string'}, 'fallback': {'type': 'string'}, 'verified': {'type': ['boolean', 'string']}, 'git': {'type': 'object', 'additionalProperties': {'type': 'integer', 'minimum': 0}}, 'rate_wait_seconds': {'type': 'number', 'minimum': 0, 'description': "seconds this target's GitHub calls waited for the rate limiter and for GitHub's own limits (skillsync.pacing)"}}}, rule='type')
            data__data_is_dict = isinstance(data__data, dict)
            if data__data_is_dict:
                data__data_keys = set(data__data.keys())
                if "wave" in data__data_keys:
                    data__data_keys.remove("wave")
                    data__data__wave = data__data["wave"]
                    if not isinstance(data__data__wave, (int, NoneType)) and not (isinstance(data__data__wave, float) and data__data__wave.is_integer()) or isinstance(data__data__wave, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.wave must be integer or null", value=data__data__wave, name="" + (name_prefix or "data") + ".data.wave", definition={'type': ['integer', 'null'], 'minimum': 0}, rule='type')
                    if isinstance(data__data__wave, (int, float, Decimal)) and not isinstance(data__data__wave, bool):
                        if data__data__wave < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.wave must be bigger than or equal to 0", value=data__data__wave, name="" + (name_prefix or "data") + ".data.wave", definition={'type': ['integer', 'null'], 'minimum': 0}, rule='minimum')
                if "dry_run" in data__data_keys:
                    data__data_keys.remove("dry_run")
                    data__data__dryrun = data__data["dry_run"]
                    if not isinstance(data__data__dryrun, (bool)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.dry_run must be boolean", value=data__data__dryrun, name="" + (name_prefix or "data") + ".data.dry_run", definition={'type': 'boolean'}, rule='type')
                if "meta" in data__data_keys:
                    data__data_keys.remove("meta")
                    data__data__meta = data__data["meta"]
                    if not isinstance(data__data__meta, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta must be object", value=data__data__meta, name="" + (name_prefix or "data") + ".data.meta", definition={'type': 'object', 'description': 'what the summary and notifications need to know about the target (sync.target_meta)', 'properties': {'owner': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'escalation': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'notify': {'type': 'object', 'properties': {'github_issue': {'type': 'boolean'}, 'slack': {'type': 'boolean'}, 'email': {'type': 'array', 'items': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}}, 'auth': {'type': 'object', 'properties': {'method': {'enum': ['none', 'token', 'hmac', 'github-app']}, 'env': {'type': ['string', 'null'], 'pattern': '^[A-Z_][A-Z0-9_]*$'}}}}}, rule='type')
                    data__data__meta_is_dict = isinstance(data__data__meta, dict)
                    if data__data__meta_is_dict:
                        data__data__meta_keys = set(data__data__meta.keys())
                        if "owner" in data__data__meta_keys:
                            data__data__meta_keys.remove("owner")
                            data__data__meta__owner = data__data__meta["owner"]
                            if not isinstance(data__data__meta__owner, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.owner must be string", value=data__data__meta__owner, name="" + (name_prefix or "data") + ".data.meta.owner", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                            if isinstance(data__data__meta__owner, str):
                                if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__data__meta__owner):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.owner must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__data__meta__owner, name="" + (name_prefix or "data") + ".data.meta.owner", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                        if "escalation" in data__data__meta_keys:
                            data__data__meta_keys.remove("escalation")
                            data__data__meta__escalation = data__data__meta["escalation"]
                            if not isinstance(data__data__meta__escalation, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.escalation must be string", value=data__data__meta__escalation, name="" + (name_prefix or "data") + ".data.meta.escalation", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                            if isinstance(data__data__meta__escalation, str):
                                if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__data__meta__escalation):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.escalation must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__data__meta__escalation, name="" + (name_prefix or "data") + ".data.meta.escalation", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                        if "notify" in data__data__meta_keys:
                            data__data__meta_keys.remove("notify")
                            data__data__meta__notify = data__data__meta["notify"]
                            if not isinstance(data__data__meta__notify, (dict)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.notify must be object", value=data__data__meta__notify, name="" + (name_prefix or "data") + ".data.meta.notify", definition={'type': 'object', 'properties': {'github_issue': {'type': 'boolean'}, 'slack': {'type': 'boolean'}, 'email': {'type': 'array', 'items': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}}, rule='type')
                            data__data__meta__notify_is_dict = isinstance(data__data__meta__notify, dict)
                            if data__data__meta__notify_is_dict:
                                data__data__meta__notify_keys = set(data__data__meta__notify.keys())
                                if "github_issue" in data__data__meta__notify_keys:
                                    data__data__meta__notify_keys.remove("github_issue")
                                    data__data__meta__notify__githubissue = data__data__meta__notify["github_issue"]
                                    if not isinstance(data__data__meta__notify__githubissue, (bool)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.notify.github_issue must be boolean", value=data__data__meta__notify__githubissue, name="" + (name_prefix or "data") + ".data.meta.notify.github_issue", definition={'type': 'boolean'}, rule='type')
                                if "slack" in data__data__meta__notify_keys:
                                    data__data__meta__notify_keys.remove("slack")
                                    data__data__meta__notify__slack = data__data__meta__notify["slack"]
                                    if not isinstance(data__data__meta__notify__slack, (bool)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.notify.slack must be boolean", value=data__data__meta__notify__slack, name="" + (name_prefix or "data") + ".data.meta.notify.slack", definition={'type': 'boolean'}, rule='type')
                                if "email" in data__data__meta__notify_keys:
                                    data__data__meta__notify_keys.remove("email")
                                    data__data__meta__notify__email = data__data__meta__notify["email"]
                                    if not isinstance(data__data__meta__notify__email, (list, tuple)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.notify.email must be array", value=data__data__meta__notify__email, name="" + (name_prefix or "data") + ".data.meta.notify.email", definition={'type': 'array', 'items': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}, rule='type')
                                    data__data__meta__notify__email_is_list = isinstance(data__data__meta__notify__email, (list, tuple))
                                    if data__data__meta__notify__email_is_list:
                                        data__data__meta__notify__email_len = len(data__data__meta__notify__email)
                                        for data__data__meta__notify__email_x, data__data__meta__notify__email_item in enumerate(data__data__meta__notify__email):
                                            if not isinstance(data__data__meta__notify__email_item, (str)):
                                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.notify.email[{data__data__meta__notify__email_x}]".format(**locals()) + " must be string", value=data__data__meta__notify__email_item, name="" + (name_prefix or "data") + ".data.meta.notify.email[{data__data__meta__notify__email_x}]".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                                            if isinstance(data__data__meta__notify__email_item, str):
                                                if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__data__meta__notify__email_item):
                                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.notify.email[{data__data__meta__notify__email_x}]".format(**locals()) + " must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__data__meta__notify__email_item, name="" + (name_prefix or "data") + ".data.meta.notify.email[{data__data__meta__notify__email_x}]".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                        if "auth" in data__data__meta_keys:
                            data__data__meta_keys.remove("auth")
                            data__data__meta__auth = data__data__meta["auth"]
                            if not isinstance(data__data__meta__auth, (dict)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.auth must be object", value=data__data__meta__auth, name="" + (name_prefix or "data") + ".data.meta.auth", definition={'type': 'object', 'properties': {'method': {'enum': ['none', 'token', 'hmac', 'github-app']}, 'env': {'type': ['string', 'null'], 'pattern': '^[A-Z_][A-Z0-9_]*$'}}}, rule='type')
                            data__data__meta__auth_is_dict = isinstance(data__data__meta__auth, dict)
                            if data__data__meta__auth_is_dict:
                                data__data__meta__auth_keys = set(data__data__meta__auth.keys())
                                if "method" in data__data__meta__auth_keys:
                                    data__data__meta__auth_keys.remove("method")
                                    data__data__meta__auth__method = data__data__meta__auth["method"]
                                    if not (isinstance(data__data__meta__auth__method, str) and data__data__meta__auth__method == 'none' or isinstance(data__data__meta__auth__method, str) and data__data__meta__auth__method == 'token' or isinstance(data__data__meta__auth__method, str) and data__data__meta__auth__method == 'hmac' or isinstance(data__data__meta__auth__method, str) and data__data__meta__auth__method == 'github-app'):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.auth.method must be one of ['none', 'token', 'hmac', 'github-app']", value=data__data__meta__auth__method, name="" + (name_prefix or "data") + ".data.meta.auth.method", definition={'enum': ['none', 'token', 'hmac', 'github-app']}, rule='enum')
                                if "env" in data__data__meta__auth_keys:
                                    data__data__meta__auth_keys.remove("env")
                                    data__data__meta__auth__env = data__data__meta__auth["env"]
                                    if not isinstance(data__data__meta__auth__env, (str, NoneType)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.auth.env must be string or null", value=data__data__meta__auth__env, name="" + (name_prefix or "data") + ".data.meta.auth.env", definition={'type': ['string', 'null'], 'pattern': '^[A-Z_][A-Z0-9_]*$'}, rule='type')
                                    if isinstance(data__data__meta__auth__env, str):
                                        if not REGEX_PATTERNS['^[A-Z_][A-Z0-9_]*$'].search(data__data__meta__auth__env):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.meta.auth.env must match pattern ^[A-Z_][A-Z0-9_]*$", value=data__data__meta__auth__env, name="" + (name_prefix or "data") + ".data.meta.auth.env", definition={'type': ['string', 'null'], 'pattern': '^[A-Z_][A-Z0-9_]*$'}, rule='pattern')
                if "snapshot" in data__data_keys:
                    data__data_keys.remove("snapshot")
                    data__data__snapshot = data__data["snapshot"]
                    if not isinstance(data__data__snapshot, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.snapshot must be string", value=data__data__snapshot, name="" + (name_prefix or "data") + ".data.snapshot", definition={'type': 'string'}, rule='type')
                if "fallback" in data__data_keys:
                    data__data_keys.remove("fallback")
                    data__data__fallback = data__data["fallback"]
                    if not isinstance(data__data__fallback, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.fallback must be string", value=data__data__fallback, name="" + (name_prefix or "data") + ".data.fallback", definition={'type': 'string'}, rule='type')
                if "verified" in data__data_keys:
                    data__data_keys.remove("verified")
                    data__data__verified = data__data["verified"]
                    if not isinstance(data__data__verified, (bool, str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.verified must be boolean or string", value=data__data__verified, name="" + (name_prefix or "data") + ".data.verified", definition={'type': ['boolean', 'string']}, rule='type')
                if "git" in data__data_keys:
                    data__data_keys.remove("git")
                    data__data__git = data__data["git"]
                    if not isinstance(data__data__git, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.git must be object", value=data__data__git, name="" + (name_prefix or "data") + ".data.git", definition={'type': 'object', 'additionalProperties': {'type': 'integer', 'minimum': 0}}, rule='type')
                    data__data__git_is_dict = isinstance(data__data__git, dict)
                    if data__data__git_is_dict:
                        data__data__git_keys = set(data__data__git.keys())
                        for data__data__git_key in data__data__git_keys:
                            if data__data__git_key not in []:
                                data__data__git_value = data__data__git.get(data__data__git_key)
                                if not isinstance(data__data__git_value, (int)) and not (isinstance(data__data__git_value, float) and data__data__git_value.is_integer()) or isinstance(data__data__git_value, bool):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.git.{data__data__git_key}".format(**locals()) + " must be integer", value=data__data__git_value, name="" + (name_prefix or "data") + ".data.git.{data__data__git_key}".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0}, rule='type')
                                if isinstance(data__data__git_value, (int, float, Decimal)) and not isinstance(data__data__git_value, bool):
                                    if data__data__git_value < 0:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.git.{data__data__git_key}".format(**locals()) + " must be bigger than or equal to 0", value=data__data__git_value, name="" + (name_prefix or "data") + ".data.git.{data__data__git_key}".format(**locals()) + "", definition={'type': 'integer', 'minimum': 0}, rule='minimum')
                if "rate_wait_seconds" in data__data_keys:
                    data__data_keys.remove("rate_wait_seconds")
                    data__data__ratewaitseconds = data__data["rate_wait_seconds"]
                    if not isinstance(data__data__ratewaitseconds, (int, float, Decimal)) or isinstance(data__data__ratewaitseconds, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.rate_wait_seconds must be number", value=data__data__ratewaitseconds, name="" + (name_prefix or "data") + ".data.rate_wait_seconds", definition={'type': 'number', 'minimum': 0, 'description': "seconds this target's GitHub calls waited for the rate limiter and for GitHub's own limits (skillsync.pacing)"}, rule='type')
                    if isinstance(data__data__ratewaitseconds, (int, float, Decimal)) and not isinstance(data__data__ratewaitseconds, bool):
                        if data__data__ratewaitseconds < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".data.rate_wait_seconds must be bigger than or equal to 0", value=data__data__ratewaitseconds, name="" + (name_prefix or "data") + ".data.rate_wait_seconds", definition={'type': 'number', 'minimum': 0, 'description': "seconds this target's GitHub calls waited for the rate limiter and for GitHub's own limits (skillsync.pacing)"}, rule='minimum')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.result/v1', 'title': 'skillsync result of one target (RUN_DIR/results/<target>.json)', 'description': 'Written by sync, sync-target and merge-runs; read back by report, rollback, sync --rerun-failed. The file name is the target id.', 'type': 'object', 'additionalProperties': False, 'required': ['target', 'mechanism', 'status', 'message'], 'properties': {'target': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'status': {'enum': ['synced', 'no-op', 'planned', 'skipped', 'halted', 'failed', 'not-attempted', 'pending', 'unknown'], 'description': 'unknown: the run stopped without a result and the target was found at a commit of the run (or could not be checked)'}, 'message': {'type': 'string'}, 'error': {'type': ['string', 'null']}, 'commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'branch': {'type': ['string', 'null'], 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, 'pull_request': {'type': ['object', 'null'], 'properties': {'action': {'type': 'string'}, 'number': {'type': ['integer', 'null'], 'minimum': 1}, 'url': {'type': ['string', 'null'], 'pattern': '^https?://[^\\s]+$'}, 'api_url': {'type': ['string', 'null']}, 'calls': {'type': 'integer', 'minimum': 0}}}, 'changes': {'type': 'object', 'additionalProperties': False, 'properties': {'add': {'type': 'integer', 'minimum': 0}, 'modify': {'type': 'integer', 'minimum': 0}, 'delete': {'type': 'integer', 'minimum': 0}}}, 'data': {'type': 'object', 'properties': {'wave': {'type': ['integer', 'null'], 'minimum': 0}, 'dry_run': {'type': 'boolean'}, 'meta': {'type': 'object', 'description': 'what the summary and notifications need to know about the target (sync.target_meta)', 'properties': {'owner': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'escalation': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'notify': {'type': 'object', 'properties': {'github_issue': {'type': 'boolean'}, 'slack': {'type': 'boolean'}, 'email': {'type': 'array', 'items': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}}, 'auth': {'type': 'object', 'properties': {'method': {'enum': ['none', 'token', 'hmac', 'github-app']}, 'env': {'type': ['string', 'null'], 'pattern': '^[A-Z_][A-Z0-9_]*$'}}}}}, 'snapshot': {'type': 'string'}, 'fallback': {'type': 'string'}, 'verified': {'type': ['boolean', 'string']}, 'git': {'type': 'object', 'additionalProperties': {'type': 'integer', 'minimum': 0}}, 'rate_wait_seconds': {'type': 'number', 'minimum': 0, 'description': "seconds this target's GitHub calls waited for the rate limiter and for GitHub's own limits (skillsync.pacing)"}}}}}, rule='additionalProperties')
    return data


validate = validate_skillsync_result_v1
