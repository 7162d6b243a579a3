"""Generated from schemas/targets-meta.schema.json by `python -m skillsync.jsonschemas --write` (fastjsonschema 2.22.3); do not edit. See skillsync.jsonschemas."""
# ruff: noqa
# mypy: ignore-errors
SCHEMA_SHA256 = "9a841843b813113ec3288cd794af4dc2318ac8913c3919c79f20ee31d7f52abc"
VERSION = "2.22.3"
import re
from skillsync.fastschemas._runtime import Decimal, JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[a-z0-9][a-z0-9._-]{0,63}$': re.compile('^[a-z0-9][a-z0-9._-]{0,63}\\Z'),
    '^[^\\u0000-\\u001f\\u007f-\\u009f]*$': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f]*\\Z')
}

NoneType = type(None)

def validate_skillsync_targets_meta_v1(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (list, tuple)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.targets-meta/v1', 'title': 'skillsync target metadata for the summary (RUN_DIR/targets.json, optional)', 'description': 'Owner, escalation and notification preferences per target id; the summary prefers these over the copy inside each result.', 'type': 'array', 'items': {'type': 'object', 'required': ['id'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'owner': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'escalation': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'notify': {'type': 'object', 'properties': {'github_issue': {'type': 'boolean'}, 'slack': {'type': 'boolean'}, 'email': {'type': 'array', 'items': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}}}}}, rule='type')
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        for data_x, data_item in enumerate(data):
            if not isinstance(data_item, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be object", value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", definition={'type': 'object', 'required': ['id'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'owner': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'escalation': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'notify': {'type': 'object', 'properties': {'github_issue': {'type': 'boolean'}, 'slack': {'type': 'boolean'}, 'email': {'type': 'array', 'items': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}}}}, rule='type')
            data_item_is_dict = isinstance(data_item, dict)
            if data_item_is_dict:
                data_item__missing_keys = set(['id']) - data_item.keys()
                if data_item__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must contain " + (str(sorted(data_item__missing_keys)) + " properties"), value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", definition={'type': 'object', 'required': ['id'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'owner': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'escalation': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'notify': {'type': 'object', 'properties': {'github_issue': {'type': 'boolean'}, 'slack': {'type': 'boolean'}, 'email': {'type': 'array', 'items': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}}}}, rule='required')
                data_item_keys = set(data_item.keys())
                if "id" in data_item_keys:
                    data_item_keys.remove("id")
                    data_item__id = data_item["id"]
                    if not isinstance(data_item__id, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].id".format(**locals()) + " must be string", value=data_item__id, name="" + (name_prefix or "data") + "[{data_x}].id".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, rule='type')
                    if isinstance(data_item__id, str):
                        if not REGEX_PATTERNS['^[a-z0-9][a-z0-9._-]{0,63}$'].search(data_item__id):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].id".format(**locals()) + " must match pattern ^[a-z0-9][a-z0-9._-]{0,63}$", value=data_item__id, name="" + (name_prefix or "data") + "[{data_x}].id".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, rule='pattern')
                if "owner" in data_item_keys:
                    data_item_keys.remove("owner")
                    data_item__owner = data_item["owner"]
                    if not isinstance(data_item__owner, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].owner".format(**locals()) + " must be string", value=data_item__owner, name="" + (name_prefix or "data") + "[{data_x}].owner".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data_item__owner, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data_item__owner):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].owner".format(**locals()) + " must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data_item__owner, name="" + (name_prefix or "data") + "[{data_x}].owner".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                if "escalation" in data_item_keys:
                    data_item_keys.remove("escalation")
                    data_item__escalation = data_item["escalation"]
                    if not isinstance(data_item__escalation, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].escalation".format(**locals()) + " must be string", value=data_item__escalation, name="" + (name_prefix or "data") + "[{data_x}].escalation".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data_item__escalation, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data_item__escalation):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].escalation".format(**locals()) + " must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data_item__escalation, name="" + (name_prefix or "data") + "[{data_x}].escalation".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                if "notify" in data_item_keys:
                    data_item_keys.remove("notify")
                    data_item__notify = data_item["notify"]
                    if not isinstance(data_item__notify, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].notify".format(**locals()) + " must be object", value=data_item__notify, name="" + (name_prefix or "data") + "[{data_x}].notify".format(**locals()) + "", definition={'type': 'object', 'properties': {'github_issue': {'type': 'boolean'}, 'slack': {'type': 'boolean'}, 'email': {'type': 'array', 'items': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}}, rule='type')
                    data_item__notify_is_dict = isinstance(data_item__notify, dict)
                    if data_item__notify_is_dict:
                        data_item__notify_keys = set(data_item__notify.keys())
                        if "github_issue" in data_item__notify_keys:
                            data_item__notify_keys.remove("github_issue")
                            data_item__notify__githubissue = data_item__notify["github_issue"]
                            if not isinstance(data_item__notify__githubissue, (bool)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].notify.github_issue".format(**locals()) + " must be boolean", value=data_item__notify__githubissue, name="" + (name_prefix or "data") + "[{data_x}].notify.github_issue".format(**locals()) + "", definition={'type': 'boolean'}, rule='type')
                        if "slack" in data_item__notify_keys:
                            data_item__notify_keys.remove("slack")
                            data_item__notify__slack = data_item__notify["slack"]
                            if not isinstance(data_item__notify__slack, (bool)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].notify.slack".format(**locals()) + " must be boolean", value=data_item__notify__slack, name="" + (name_prefix or "data") + "[{data_x}].notify.slack".format(**locals()) + "", definition={'type': 'boolean'}, rule='type')
                        if "email" in data_item__notify_keys:
                            data_item__notify_keys.remove("email")
                            data_item__notify__email = data_item__notify["email"]
                            if not isinstance(data_item__notify__email, (list, tuple)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].notify.email".format(**locals()) + " must be array", value=data_item__notify__email, name="" + (name_prefix or "data") + "[{data_x}].notify.email".format(**locals()) + "", definition={'type': 'array', 'items': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}, rule='type')
                            data_item__notify__email_is_list = isinstance(data_item__notify__email, (list, tuple))
                            if data_item__notify__email_is_list:
                                data_item__notify__email_len = len(data_item__notify__email)
                                for data_item__notify__email_x, data_item__notify__email_item in enumerate(data_item__notify__email):
                                    if not isinstance(data_item__notify__email_item, (str)):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].notify.email[{data_item__notify__email_x}]".format(**locals()) + " must be string", value=data_item__notify__email_item, name="" + (name_prefix or "data") + "[{data_x}].notify.email[{data_item__notify__email_x}]".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                                    if isinstance(data_item__notify__email_item, str):
                                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data_item__notify__email_item):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].notify.email[{data_item__notify__email_x}]".format(**locals()) + " must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data_item__notify__email_item, name="" + (name_prefix or "data") + "[{data_x}].notify.email[{data_item__notify__email_x}]".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
    return data


validate = validate_skillsync_targets_meta_v1
