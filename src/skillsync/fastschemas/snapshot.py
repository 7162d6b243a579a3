"""Generated from schemas/snapshot.schema.json by `python -m skillsync.jsonschemas --write` (fastjsonschema 2.22.3); do not edit. See skillsync.jsonschemas."""
# ruff: noqa
# mypy: ignore-errors
SCHEMA_SHA256 = "a4512e739da4333afd8fadc4ed3665bdfd1610d6a1ec8f866df89c743de71834"
VERSION = "2.22.3"
import re
from skillsync.fastschemas._runtime import Decimal, JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[a-z0-9][a-z0-9._-]{0,63}$': re.compile('^[a-z0-9][a-z0-9._-]{0,63}\\Z'),
    '^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}\\Z'),
    '^[^\\u0000-\\u001f\\u007f-\\u009f]*$': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f]*\\Z'),
    '^[0-9a-f]{40}([0-9a-f]{24})?$': re.compile('^[0-9a-f]{40}([0-9a-f]{24})?\\Z'),
    '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$': re.compile('^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock\\Z)(?!.*/\\Z)(?!.*\\.\\Z)[A-Za-z0-9._/+-]+\\Z'),
    '^[0-9a-f]{64}$': re.compile('^[0-9a-f]{64}\\Z')
}

NoneType = type(None)

def validate_skillsync_snapshot_v1(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.snapshot/v1', 'title': 'skillsync pre-sync snapshot of one target (RUN_DIR/snapshots/<target>.json)', 'description': "What rollback restores and verifies against. Paths (keys of files and work_files, owned, scope, dest, lock_path, submodule.path) are also checked by skillsync's path policy when read back.", 'type': 'object', 'required': ['schema', 'target', 'mechanism', 'run', 'complete'], 'properties': {'schema': {'const': 'skillsync.snapshot/v1'}, 'target': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'taken': {'type': 'string'}, 'run': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$'}, 'complete': {'type': 'boolean'}, 'error': {'type': 'string'}, 'release': {'type': 'object', 'properties': {'version': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'ref': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'digest': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}, 'repo': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'branch': {'type': 'string', 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, 'dest': {'type': 'string'}, 'lock_path': {'type': 'string'}, 'head': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'work_branch': {'type': ['string', 'null'], 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, 'work_head': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'lock': {'type': ['object', 'null'], 'required': ['schema', 'files'], 'properties': {'schema': {'const': 'skillsync.lock/v1'}, 'source': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'version': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'commit': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'manifest_digest': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'run': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'files': {'type': 'object', 'additionalProperties': {'type': 'object', 'required': ['sha256', 'blob'], 'properties': {'sha256': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'mode': {'enum': ['100644', '100755', '120000', '160000']}}}}}}, 'owned': {'type': 'array', 'items': {'type': 'string'}}, 'scope': {'type': 'array', 'items': {'type': 'string'}}, 'files': {'type': ['object', 'null'], 'additionalProperties': {'type': 'object', 'additionalProperties': False, 'required': ['mode', 'blob'], 'properties': {'mode': {'enum': ['100644', '100755', '120000', '160000']}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}}, 'work_files': {'type': ['object', 'null'], 'additionalProperties': {'type': 'object', 'additionalProperties': False, 'required': ['mode', 'blob'], 'properties': {'mode': {'enum': ['100644', '100755', '120000', '160000']}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}}, 'submodule': {'type': ['object', 'null'], 'required': ['path'], 'properties': {'path': {'type': 'string'}, 'commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'work_commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, 'pull_request': {'type': ['object', 'null'], 'properties': {'number': {'type': ['integer', 'null']}, 'url': {'type': ['string', 'null']}, 'state': {'type': ['string', 'null']}, 'head_sha': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, 'pull_request_error': {'type': 'string'}, 'url_set': {'type': 'boolean'}, 'webhook': {'type': 'object', 'properties': {'previous': {'type': ['object', 'null']}, 'previous_run': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'previous_version': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'previous_digest': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}}, 'allOf': [{'if': {'properties': {'complete': {'const': True}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule']}}, 'required': ['complete', 'mechanism']}, 'then': {'required': ['branch', 'dest', 'lock_path', 'head', 'files', 'scope']}}]}, rule='type')
    try:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data__missing_keys = set(['complete', 'mechanism']) - data.keys()
            if data__missing_keys:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'properties': {'complete': {'const': True}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule']}}, 'required': ['complete', 'mechanism']}, rule='required')
            data_keys = set(data.keys())
            if "complete" in data_keys:
                data_keys.remove("complete")
                data__complete = data["complete"]
                if not (isinstance(data__complete, bool) and data__complete is True):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".complete must be same as const definition: True", value=data__complete, name="" + (name_prefix or "data") + ".complete", definition={'const': True}, rule='const')
            if "mechanism" in data_keys:
                data_keys.remove("mechanism")
                data__mechanism = data["mechanism"]
                if not (isinstance(data__mechanism, str) and data__mechanism == 'pull-request' or isinstance(data__mechanism, str) and data__mechanism == 'push' or isinstance(data__mechanism, str) and data__mechanism == 'submodule'):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".mechanism must be one of ['pull-request', 'push', 'submodule']", value=data__mechanism, name="" + (name_prefix or "data") + ".mechanism", definition={'enum': ['pull-request', 'push', 'submodule']}, rule='enum')
    except (JsonSchemaValueException, JsonSchemaValuesException):
        pass
    else:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data__missing_keys = set(['branch', 'dest', 'lock_path', 'head', 'files', 'scope']) - data.keys()
            if data__missing_keys:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'required': ['branch', 'dest', 'lock_path', 'head', 'files', 'scope']}, rule='required')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['schema', 'target', 'mechanism', 'run', 'complete']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.snapshot/v1', 'title': 'skillsync pre-sync snapshot of one target (RUN_DIR/snapshots/<target>.json)', 'description': "What rollback restores and verifies against. Paths (keys of files and work_files, owned, scope, dest, lock_path, submodule.path) are also checked by skillsync's path policy when read back.", 'type': 'object', 'required': ['schema', 'target', 'mechanism', 'run', 'complete'], 'properties': {'schema': {'const': 'skillsync.snapshot/v1'}, 'target': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'taken': {'type': 'string'}, 'run': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$'}, 'complete': {'type': 'boolean'}, 'error': {'type': 'string'}, 'release': {'type': 'object', 'properties': {'version': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'ref': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'digest': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}, 'repo': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'branch': {'type': 'string', 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, 'dest': {'type': 'string'}, 'lock_path': {'type': 'string'}, 'head': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'work_branch': {'type': ['string', 'null'], 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, 'work_head': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'lock': {'type': ['object', 'null'], 'required': ['schema', 'files'], 'properties': {'schema': {'const': 'skillsync.lock/v1'}, 'source': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'version': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'commit': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'manifest_digest': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'run': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'files': {'type': 'object', 'additionalProperties': {'type': 'object', 'required': ['sha256', 'blob'], 'properties': {'sha256': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'mode': {'enum': ['100644', '100755', '120000', '160000']}}}}}}, 'owned': {'type': 'array', 'items': {'type': 'string'}}, 'scope': {'type': 'array', 'items': {'type': 'string'}}, 'files': {'type': ['object', 'null'], 'additionalProperties': {'type': 'object', 'additionalProperties': False, 'required': ['mode', 'blob'], 'properties': {'mode': {'enum': ['100644', '100755', '120000', '160000']}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}}, 'work_files': {'type': ['object', 'null'], 'additionalProperties': {'type': 'object', 'additionalProperties': False, 'required': ['mode', 'blob'], 'properties': {'mode': {'enum': ['100644', '100755', '120000', '160000']}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}}, 'submodule': {'type': ['object', 'null'], 'required': ['path'], 'properties': {'path': {'type': 'string'}, 'commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'work_commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, 'pull_request': {'type': ['object', 'null'], 'properties': {'number': {'type': ['integer', 'null']}, 'url': {'type': ['string', 'null']}, 'state': {'type': ['string', 'null']}, 'head_sha': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, 'pull_request_error': {'type': 'string'}, 'url_set': {'type': 'boolean'}, 'webhook': {'type': 'object', 'properties': {'previous': {'type': ['object', 'null']}, 'previous_run': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'previous_version': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'previous_digest': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}}, 'allOf': [{'if': {'properties': {'complete': {'const': True}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule']}}, 'required': ['complete', 'mechanism']}, 'then': {'required': ['branch', 'dest', 'lock_path', 'head', 'files', 'scope']}}]}, rule='required')
        data_keys = set(data.keys())
        if "schema" in data_keys:
            data_keys.remove("schema")
            data__schema = data["schema"]
            if not (isinstance(data__schema, str) and data__schema == 'skillsync.snapshot/v1'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".schema must be same as const definition: skillsync.snapshot/v1", value=data__schema, name="" + (name_prefix or "data") + ".schema", definition={'const': 'skillsync.snapshot/v1'}, rule='const')
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
        if "taken" in data_keys:
            data_keys.remove("taken")
            data__taken = data["taken"]
            if not isinstance(data__taken, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".taken must be string", value=data__taken, name="" + (name_prefix or "data") + ".taken", definition={'type': 'string'}, rule='type')
        if "run" in data_keys:
            data_keys.remove("run")
            data__run = data["run"]
            if not isinstance(data__run, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".run must be string", value=data__run, name="" + (name_prefix or "data") + ".run", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$'}, rule='type')
            if isinstance(data__run, str):
                if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$'].search(data__run):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".run must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$", value=data__run, name="" + (name_prefix or "data") + ".run", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$'}, rule='pattern')
        if "complete" in data_keys:
            data_keys.remove("complete")
            data__complete = data["complete"]
            if not isinstance(data__complete, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".complete must be boolean", value=data__complete, name="" + (name_prefix or "data") + ".complete", definition={'type': 'boolean'}, rule='type')
        if "error" in data_keys:
            data_keys.remove("error")
            data__error = data["error"]
            if not isinstance(data__error, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".error must be string", value=data__error, name="" + (name_prefix or "data") + ".error", definition={'type': 'string'}, rule='type')
        if "release" in data_keys:
            data_keys.remove("release")
            data__release = data["release"]
            if not isinstance(data__release, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".release must be object", value=data__release, name="" + (name_prefix or "data") + ".release", definition={'type': 'object', 'properties': {'version': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'ref': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'digest': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}, rule='type')
            data__release_is_dict = isinstance(data__release, dict)
            if data__release_is_dict:
                data__release_keys = set(data__release.keys())
                if "version" in data__release_keys:
                    data__release_keys.remove("version")
                    data__release__version = data__release["version"]
                    if not isinstance(data__release__version, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".release.version must be string or null", value=data__release__version, name="" + (name_prefix or "data") + ".release.version", definition={'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data__release__version, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__release__version):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".release.version must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__release__version, name="" + (name_prefix or "data") + ".release.version", definition={'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                if "ref" in data__release_keys:
                    data__release_keys.remove("ref")
                    data__release__ref = data__release["ref"]
                    if not isinstance(data__release__ref, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".release.ref must be string or null", value=data__release__ref, name="" + (name_prefix or "data") + ".release.ref", definition={'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data__release__ref, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__release__ref):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".release.ref must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__release__ref, name="" + (name_prefix or "data") + ".release.ref", definition={'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                if "commit" in data__release_keys:
                    data__release_keys.remove("commit")
                    data__release__commit = data__release["commit"]
                    if not isinstance(data__release__commit, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".release.commit must be string or null", value=data__release__commit, name="" + (name_prefix or "data") + ".release.commit", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='type')
                    if isinstance(data__release__commit, str):
                        if not REGEX_PATTERNS['^[0-9a-f]{40}([0-9a-f]{24})?$'].search(data__release__commit):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".release.commit must match pattern ^[0-9a-f]{40}([0-9a-f]{24})?$", value=data__release__commit, name="" + (name_prefix or "data") + ".release.commit", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='pattern')
                if "digest" in data__release_keys:
                    data__release_keys.remove("digest")
                    data__release__digest = data__release["digest"]
                    if not isinstance(data__release__digest, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".release.digest must be string or null", value=data__release__digest, name="" + (name_prefix or "data") + ".release.digest", definition={'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data__release__digest, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__release__digest):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".release.digest must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__release__digest, name="" + (name_prefix or "data") + ".release.digest", definition={'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
        if "repo" in data_keys:
            data_keys.remove("repo")
            data__repo = data["repo"]
            if not isinstance(data__repo, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".repo must be string", value=data__repo, name="" + (name_prefix or "data") + ".repo", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
            if isinstance(data__repo, str):
                if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__repo):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".repo must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__repo, name="" + (name_prefix or "data") + ".repo", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
        if "branch" in data_keys:
            data_keys.remove("branch")
            data__branch = data["branch"]
            if not isinstance(data__branch, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".branch must be string", value=data__branch, name="" + (name_prefix or "data") + ".branch", definition={'type': 'string', 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, rule='type')
            if isinstance(data__branch, str):
                if not REGEX_PATTERNS['^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'].search(data__branch):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".branch must match pattern ^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$", value=data__branch, name="" + (name_prefix or "data") + ".branch", definition={'type': 'string', 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, rule='pattern')
        if "dest" in data_keys:
            data_keys.remove("dest")
            data__dest = data["dest"]
            if not isinstance(data__dest, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".dest must be string", value=data__dest, name="" + (name_prefix or "data") + ".dest", definition={'type': 'string'}, rule='type')
        if "lock_path" in data_keys:
            data_keys.remove("lock_path")
            data__lockpath = data["lock_path"]
            if not isinstance(data__lockpath, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock_path must be string", value=data__lockpath, name="" + (name_prefix or "data") + ".lock_path", definition={'type': 'string'}, rule='type')
        if "head" in data_keys:
            data_keys.remove("head")
            data__head = data["head"]
            if not isinstance(data__head, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".head must be string or null", value=data__head, name="" + (name_prefix or "data") + ".head", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='type')
            if isinstance(data__head, str):
                if not REGEX_PATTERNS['^[0-9a-f]{40}([0-9a-f]{24})?$'].search(data__head):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".head must match pattern ^[0-9a-f]{40}([0-9a-f]{24})?$", value=data__head, name="" + (name_prefix or "data") + ".head", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='pattern')
        if "work_branch" in data_keys:
            data_keys.remove("work_branch")
            data__workbranch = data["work_branch"]
            if not isinstance(data__workbranch, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".work_branch must be string or null", value=data__workbranch, name="" + (name_prefix or "data") + ".work_branch", definition={'type': ['string', 'null'], 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, rule='type')
            if isinstance(data__workbranch, str):
                if not REGEX_PATTERNS['^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'].search(data__workbranch):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".work_branch must match pattern ^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$", value=data__workbranch, name="" + (name_prefix or "data") + ".work_branch", definition={'type': ['string', 'null'], 'pattern': '^(?!-)(?!/)(?!.*//)(?!.*\\.\\.)(?!.*@\\{)(?!.*/\\.)(?!\\.)(?!.*\\.lock$)(?!.*/$)(?!.*\\.$)[A-Za-z0-9._/+-]+$'}, rule='pattern')
        if "work_head" in data_keys:
            data_keys.remove("work_head")
            data__workhead = data["work_head"]
            if not isinstance(data__workhead, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".work_head must be string or null", value=data__workhead, name="" + (name_prefix or "data") + ".work_head", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='type')
            if isinstance(data__workhead, str):
                if not REGEX_PATTERNS['^[0-9a-f]{40}([0-9a-f]{24})?$'].search(data__workhead):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".work_head must match pattern ^[0-9a-f]{40}([0-9a-f]{24})?$", value=data__workhead, name="" + (name_prefix or "data") + ".work_head", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='pattern')
        if "lock" in data_keys:
            data_keys.remove("lock")
            data__lock = data["lock"]
            if not isinstance(data__lock, (dict, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock must be object or null", value=data__lock, name="" + (name_prefix or "data") + ".lock", definition={'type': ['object', 'null'], 'required': ['schema', 'files'], 'properties': {'schema': {'const': 'skillsync.lock/v1'}, 'source': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'version': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'commit': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'manifest_digest': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'run': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'files': {'type': 'object', 'additionalProperties': {'type': 'object', 'required': ['sha256', 'blob'], 'properties': {'sha256': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'mode': {'enum': ['100644', '100755', '120000', '160000']}}}}}}, rule='type')
            data__lock_is_dict = isinstance(data__lock, dict)
            if data__lock_is_dict:
                data__lock__missing_keys = set(['schema', 'files']) - data__lock.keys()
                if data__lock__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock must contain " + (str(sorted(data__lock__missing_keys)) + " properties"), value=data__lock, name="" + (name_prefix or "data") + ".lock", definition={'type': ['object', 'null'], 'required': ['schema', 'files'], 'properties': {'schema': {'const': 'skillsync.lock/v1'}, 'source': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'version': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'commit': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'manifest_digest': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'run': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'files': {'type': 'object', 'additionalProperties': {'type': 'object', 'required': ['sha256', 'blob'], 'properties': {'sha256': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'mode': {'enum': ['100644', '100755', '120000', '160000']}}}}}}, rule='required')
                data__lock_keys = set(data__lock.keys())
                if "schema" in data__lock_keys:
                    data__lock_keys.remove("schema")
                    data__lock__schema = data__lock["schema"]
                    if not (isinstance(data__lock__schema, str) and data__lock__schema == 'skillsync.lock/v1'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.schema must be same as const definition: skillsync.lock/v1", value=data__lock__schema, name="" + (name_prefix or "data") + ".lock.schema", definition={'const': 'skillsync.lock/v1'}, rule='const')
                if "source" in data__lock_keys:
                    data__lock_keys.remove("source")
                    data__lock__source = data__lock["source"]
                    if not isinstance(data__lock__source, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.source must be string", value=data__lock__source, name="" + (name_prefix or "data") + ".lock.source", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data__lock__source, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__lock__source):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.source must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__lock__source, name="" + (name_prefix or "data") + ".lock.source", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                if "version" in data__lock_keys:
                    data__lock_keys.remove("version")
                    data__lock__version = data__lock["version"]
                    if not isinstance(data__lock__version, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.version must be string", value=data__lock__version, name="" + (name_prefix or "data") + ".lock.version", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data__lock__version, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__lock__version):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.version must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__lock__version, name="" + (name_prefix or "data") + ".lock.version", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                if "commit" in data__lock_keys:
                    data__lock_keys.remove("commit")
                    data__lock__commit = data__lock["commit"]
                    if not isinstance(data__lock__commit, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.commit must be string", value=data__lock__commit, name="" + (name_prefix or "data") + ".lock.commit", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data__lock__commit, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__lock__commit):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.commit must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__lock__commit, name="" + (name_prefix or "data") + ".lock.commit", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                if "manifest_digest" in data__lock_keys:
                    data__lock_keys.remove("manifest_digest")
                    data__lock__manifestdigest = data__lock["manifest_digest"]
                    if not isinstance(data__lock__manifestdigest, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.manifest_digest must be string", value=data__lock__manifestdigest, name="" + (name_prefix or "data") + ".lock.manifest_digest", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data__lock__manifestdigest, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__lock__manifestdigest):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.manifest_digest must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__lock__manifestdigest, name="" + (name_prefix or "data") + ".lock.manifest_digest", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                if "run" in data__lock_keys:
                    data__lock_keys.remove("run")
                    data__lock__run = data__lock["run"]
                    if not isinstance(data__lock__run, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.run must be string", value=data__lock__run, name="" + (name_prefix or "data") + ".lock.run", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data__lock__run, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__lock__run):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.run must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__lock__run, name="" + (name_prefix or "data") + ".lock.run", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                if "files" in data__lock_keys:
                    data__lock_keys.remove("files")
                    data__lock__files = data__lock["files"]
                    if not isinstance(data__lock__files, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.files must be object", value=data__lock__files, name="" + (name_prefix or "data") + ".lock.files", definition={'type': 'object', 'additionalProperties': {'type': 'object', 'required': ['sha256', 'blob'], 'properties': {'sha256': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'mode': {'enum': ['100644', '100755', '120000', '160000']}}}}, rule='type')
                    data__lock__files_is_dict = isinstance(data__lock__files, dict)
                    if data__lock__files_is_dict:
                        data__lock__files_keys = set(data__lock__files.keys())
                        for data__lock__files_key in data__lock__files_keys:
                            if data__lock__files_key not in []:
                                data__lock__files_value = data__lock__files.get(data__lock__files_key)
                                if not isinstance(data__lock__files_value, (dict)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}".format(**locals()) + " must be object", value=data__lock__files_value, name="" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}".format(**locals()) + "", definition={'type': 'object', 'required': ['sha256', 'blob'], 'properties': {'sha256': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'mode': {'enum': ['100644', '100755', '120000', '160000']}}}, rule='type')
                                data__lock__files_value_is_dict = isinstance(data__lock__files_value, dict)
                                if data__lock__files_value_is_dict:
                                    data__lock__files_value__missing_keys = set(['sha256', 'blob']) - data__lock__files_value.keys()
                                    if data__lock__files_value__missing_keys:
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}".format(**locals()) + " must contain " + (str(sorted(data__lock__files_value__missing_keys)) + " properties"), value=data__lock__files_value, name="" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}".format(**locals()) + "", definition={'type': 'object', 'required': ['sha256', 'blob'], 'properties': {'sha256': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'mode': {'enum': ['100644', '100755', '120000', '160000']}}}, rule='required')
                                    data__lock__files_value_keys = set(data__lock__files_value.keys())
                                    if "sha256" in data__lock__files_value_keys:
                                        data__lock__files_value_keys.remove("sha256")
                                        data__lock__files_value__sha256 = data__lock__files_value["sha256"]
                                        if not isinstance(data__lock__files_value__sha256, (str)):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}.sha256".format(**locals()) + " must be string", value=data__lock__files_value__sha256, name="" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}.sha256".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, rule='type')
                                        if isinstance(data__lock__files_value__sha256, str):
                                            if not REGEX_PATTERNS['^[0-9a-f]{64}$'].search(data__lock__files_value__sha256):
                                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}.sha256".format(**locals()) + " must match pattern ^[0-9a-f]{64}$", value=data__lock__files_value__sha256, name="" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}.sha256".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[0-9a-f]{64}$'}, rule='pattern')
                                    if "blob" in data__lock__files_value_keys:
                                        data__lock__files_value_keys.remove("blob")
                                        data__lock__files_value__blob = data__lock__files_value["blob"]
                                        if not isinstance(data__lock__files_value__blob, (str)):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}.blob".format(**locals()) + " must be string", value=data__lock__files_value__blob, name="" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}.blob".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='type')
                                        if isinstance(data__lock__files_value__blob, str):
                                            if not REGEX_PATTERNS['^[0-9a-f]{40}([0-9a-f]{24})?$'].search(data__lock__files_value__blob):
                                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}.blob".format(**locals()) + " must match pattern ^[0-9a-f]{40}([0-9a-f]{24})?$", value=data__lock__files_value__blob, name="" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}.blob".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='pattern')
                                    if "mode" in data__lock__files_value_keys:
                                        data__lock__files_value_keys.remove("mode")
                                        data__lock__files_value__mode = data__lock__files_value["mode"]
                                        if not (isinstance(data__lock__files_value__mode, str) and data__lock__files_value__mode == '100644' or isinstance(data__lock__files_value__mode, str) and data__lock__files_value__mode == '100755' or isinstance(data__lock__files_value__mode, str) and data__lock__files_value__mode == '120000' or isinstance(data__lock__files_value__mode, str) and data__lock__files_value__mode == '160000'):
                                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}.mode".format(**locals()) + " must be one of ['100644', '100755', '120000', '160000']", value=data__lock__files_value__mode, name="" + (name_prefix or "data") + ".lock.files.{data__lock__files_key}.mode".format(**locals()) + "", definition={'enum': ['100644', '100755', '120000', '160000']}, rule='enum')
        if "owned" in data_keys:
            data_keys.remove("owned")
            data__owned = data["owned"]
            if not isinstance(data__owned, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".owned must be array", value=data__owned, name="" + (name_prefix or "data") + ".owned", definition={'type': 'array', 'items': {'type': 'string'}}, rule='type')
            data__owned_is_list = isinstance(data__owned, (list, tuple))
            if data__owned_is_list:
                data__owned_len = len(data__owned)
                for data__owned_x, data__owned_item in enumerate(data__owned):
                    if not isinstance(data__owned_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".owned[{data__owned_x}]".format(**locals()) + " must be string", value=data__owned_item, name="" + (name_prefix or "data") + ".owned[{data__owned_x}]".format(**locals()) + "", definition={'type': 'string'}, rule='type')
        if "scope" in data_keys:
            data_keys.remove("scope")
            data__scope = data["scope"]
            if not isinstance(data__scope, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".scope must be array", value=data__scope, name="" + (name_prefix or "data") + ".scope", definition={'type': 'array', 'items': {'type': 'string'}}, rule='type')
            data__scope_is_list = isinstance(data__scope, (list, tuple))
            if data__scope_is_list:
                data__scope_len = len(data__scope)
                for data__scope_x, data__scope_item in enumerate(data__scope):
                    if not isinstance(data__scope_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".scope[{data__scope_x}]".format(**locals()) + " must be string", value=data__scope_item, name="" + (name_prefix or "data") + ".scope[{data__scope_x}]".format(**locals()) + "", definition={'type': 'string'}, rule='type')
        if "files" in data_keys:
            data_keys.remove("files")
            data__files = data["files"]
            if not isinstance(data__files, (dict, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".files must be object or null", value=data__files, name="" + (name_prefix or "data") + ".files", definition={'type': ['object', 'null'], 'additionalProperties': {'type': 'object', 'additionalProperties': False, 'required': ['mode', 'blob'], 'properties': {'mode': {'enum': ['100644', '100755', '120000', '160000']}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}}, rule='type')
            data__files_is_dict = isinstance(data__files, dict)
            if data__files_is_dict:
                data__files_keys = set(data__files.keys())
                for data__files_key in data__files_keys:
                    if data__files_key not in []:
                        data__files_value = data__files.get(data__files_key)
                        if not isinstance(data__files_value, (dict)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".files.{data__files_key}".format(**locals()) + " must be object", value=data__files_value, name="" + (name_prefix or "data") + ".files.{data__files_key}".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['mode', 'blob'], 'properties': {'mode': {'enum': ['100644', '100755', '120000', '160000']}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, rule='type')
                        data__files_value_is_dict = isinstance(data__files_value, dict)
                        if data__files_value_is_dict:
                            data__files_value__missing_keys = set(['mode', 'blob']) - data__files_value.keys()
                            if data__files_value__missing_keys:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".files.{data__files_key}".format(**locals()) + " must contain " + (str(sorted(data__files_value__missing_keys)) + " properties"), value=data__files_value, name="" + (name_prefix or "data") + ".files.{data__files_key}".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['mode', 'blob'], 'properties': {'mode': {'enum': ['100644', '100755', '120000', '160000']}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, rule='required')
                            data__files_value_keys = set(data__files_value.keys())
                            if "mode" in data__files_value_keys:
                                data__files_value_keys.remove("mode")
                                data__files_value__mode = data__files_value["mode"]
                                if not (isinstance(data__files_value__mode, str) and data__files_value__mode == '100644' or isinstance(data__files_value__mode, str) and data__files_value__mode == '100755' or isinstance(data__files_value__mode, str) and data__files_value__mode == '120000' or isinstance(data__files_value__mode, str) and data__files_value__mode == '160000'):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".files.{data__files_key}.mode".format(**locals()) + " must be one of ['100644', '100755', '120000', '160000']", value=data__files_value__mode, name="" + (name_prefix or "data") + ".files.{data__files_key}.mode".format(**locals()) + "", definition={'enum': ['100644', '100755', '120000', '160000']}, rule='enum')
                            if "blob" in data__files_value_keys:
                                data__files_value_keys.remove("blob")
                                data__files_value__blob = data__files_value["blob"]
                                if not isinstance(data__files_value__blob, (str)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".files.{data__files_key}.blob".format(**locals()) + " must be string", value=data__files_value__blob, name="" + (name_prefix or "data") + ".files.{data__files_key}.blob".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='type')
                                if isinstance(data__files_value__blob, str):
                                    if not REGEX_PATTERNS['^[0-9a-f]{40}([0-9a-f]{24})?$'].search(data__files_value__blob):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".files.{data__files_key}.blob".format(**locals()) + " must match pattern ^[0-9a-f]{40}([0-9a-f]{24})?$", value=data__files_value__blob, name="" + (name_prefix or "data") + ".files.{data__files_key}.blob".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='pattern')
                            if data__files_value_keys:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".files.{data__files_key}".format(**locals()) + " must not contain "+str(data__files_value_keys)+" properties", value=data__files_value, name="" + (name_prefix or "data") + ".files.{data__files_key}".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['mode', 'blob'], 'properties': {'mode': {'enum': ['100644', '100755', '120000', '160000']}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, rule='additionalProperties')
        if "work_files" in data_keys:
            data_keys.remove("work_files")
            data__workfiles = data["work_files"]
            if not isinstance(data__workfiles, (dict, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".work_files must be object or null", value=data__workfiles, name="" + (name_prefix or "data") + ".work_files", definition={'type': ['object', 'null'], 'additionalProperties': {'type': 'object', 'additionalProperties': False, 'required': ['mode', 'blob'], 'properties': {'mode': {'enum': ['100644', '100755', '120000', '160000']}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}}, rule='type')
            data__workfiles_is_dict = isinstance(data__workfiles, dict)
            if data__workfiles_is_dict:
                data__workfiles_keys = set(data__workfiles.keys())
                for data__workfiles_key in data__workfiles_keys:
                    if data__workfiles_key not in []:
                        data__workfiles_value = data__workfiles.get(data__workfiles_key)
                        if not isinstance(data__workfiles_value, (dict)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".work_files.{data__workfiles_key}".format(**locals()) + " must be object", value=data__workfiles_value, name="" + (name_prefix or "data") + ".work_files.{data__workfiles_key}".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['mode', 'blob'], 'properties': {'mode': {'enum': ['100644', '100755', '120000', '160000']}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, rule='type')
                        data__workfiles_value_is_dict = isinstance(data__workfiles_value, dict)
                        if data__workfiles_value_is_dict:
                            data__workfiles_value__missing_keys = set(['mode', 'blob']) - data__workfiles_value.keys()
                            if data__workfiles_value__missing_keys:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".work_files.{data__workfiles_key}".format(**locals()) + " must contain " + (str(sorted(data__workfiles_value__missing_keys)) + " properties"), value=data__workfiles_value, name="" + (name_prefix or "data") + ".work_files.{data__workfiles_key}".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['mode', 'blob'], 'properties': {'mode': {'enum': ['100644', '100755', '120000', '160000']}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, rule='required')
                            data__workfiles_value_keys = set(data__workfiles_value.keys())
                            if "mode" in data__workfiles_value_keys:
                                data__workfiles_value_keys.remove("mode")
                                data__workfiles_value__mode = data__workfiles_value["mode"]
                                if not (isinstance(data__workfiles_value__mode, str) and data__workfiles_value__mode == '100644' or isinstance(data__workfiles_value__mode, str) and data__workfiles_value__mode == '100755' or isinstance(data__workfiles_value__mode, str) and data__workfiles_value__mode == '120000' or isinstance(data__workfiles_value__mode, str) and data__workfiles_value__mode == '160000'):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".work_files.{data__workfiles_key}.mode".format(**locals()) + " must be one of ['100644', '100755', '120000', '160000']", value=data__workfiles_value__mode, name="" + (name_prefix or "data") + ".work_files.{data__workfiles_key}.mode".format(**locals()) + "", definition={'enum': ['100644', '100755', '120000', '160000']}, rule='enum')
                            if "blob" in data__workfiles_value_keys:
                                data__workfiles_value_keys.remove("blob")
                                data__workfiles_value__blob = data__workfiles_value["blob"]
                                if not isinstance(data__workfiles_value__blob, (str)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".work_files.{data__workfiles_key}.blob".format(**locals()) + " must be string", value=data__workfiles_value__blob, name="" + (name_prefix or "data") + ".work_files.{data__workfiles_key}.blob".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='type')
                                if isinstance(data__workfiles_value__blob, str):
                                    if not REGEX_PATTERNS['^[0-9a-f]{40}([0-9a-f]{24})?$'].search(data__workfiles_value__blob):
                                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".work_files.{data__workfiles_key}.blob".format(**locals()) + " must match pattern ^[0-9a-f]{40}([0-9a-f]{24})?$", value=data__workfiles_value__blob, name="" + (name_prefix or "data") + ".work_files.{data__workfiles_key}.blob".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='pattern')
                            if data__workfiles_value_keys:
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".work_files.{data__workfiles_key}".format(**locals()) + " must not contain "+str(data__workfiles_value_keys)+" properties", value=data__workfiles_value, name="" + (name_prefix or "data") + ".work_files.{data__workfiles_key}".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['mode', 'blob'], 'properties': {'mode': {'enum': ['100644', '100755', '120000', '160000']}, 'blob': {'type': 'string', 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, rule='additionalProperties')
        if "submodule" in data_keys:
            data_keys.remove("submodule")
            data__submodule = data["submodule"]
            if not isinstance(data__submodule, (dict, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".submodule must be object or null", value=data__submodule, name="" + (name_prefix or "data") + ".submodule", definition={'type': ['object', 'null'], 'required': ['path'], 'properties': {'path': {'type': 'string'}, 'commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'work_commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, rule='type')
            data__submodule_is_dict = isinstance(data__submodule, dict)
            if data__submodule_is_dict:
                data__submodule__missing_keys = set(['path']) - data__submodule.keys()
                if data__submodule__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".submodule must contain " + (str(sorted(data__submodule__missing_keys)) + " properties"), value=data__submodule, name="" + (name_prefix or "data") + ".submodule", definition={'type': ['object', 'null'], 'required': ['path'], 'properties': {'path': {'type': 'string'}, 'commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'work_commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, rule='required')
                data__submodule_keys = set(data__submodule.keys())
                if "path" in data__submodule_keys:
                    data__submodule_keys.remove("path")
                    data__submodule__path = data__submodule["path"]
                    if not isinstance(data__submodule__path, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".submodule.path must be string", value=data__submodule__path, name="" + (name_prefix or "data") + ".submodule.path", definition={'type': 'string'}, rule='type')
                if "commit" in data__submodule_keys:
                    data__submodule_keys.remove("commit")
                    data__submodule__commit = data__submodule["commit"]
                    if not isinstance(data__submodule__commit, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".submodule.commit must be string or null", value=data__submodule__commit, name="" + (name_prefix or "data") + ".submodule.commit", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='type')
                    if isinstance(data__submodule__commit, str):
                        if not REGEX_PATTERNS['^[0-9a-f]{40}([0-9a-f]{24})?$'].search(data__submodule__commit):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".submodule.commit must match pattern ^[0-9a-f]{40}([0-9a-f]{24})?$", value=data__submodule__commit, name="" + (name_prefix or "data") + ".submodule.commit", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='pattern')
                if "work_commit" in data__submodule_keys:
                    data__submodule_keys.remove("work_commit")
                    data__submodule__workcommit = data__submodule["work_commit"]
                    if not isinstance(data__submodule__workcommit, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".submodule.work_commit must be string or null", value=data__submodule__workcommit, name="" + (name_prefix or "data") + ".submodule.work_commit", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='type')
                    if isinstance(data__submodule__workcommit, str):
                        if not REGEX_PATTERNS['^[0-9a-f]{40}([0-9a-f]{24})?$'].search(data__submodule__workcommit):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".submodule.work_commit must match pattern ^[0-9a-f]{40}([0-9a-f]{24})?$", value=data__submodule__workcommit, name="" + (name_prefix or "data") + ".submodule.work_commit", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='pattern')
        if "pull_request" in data_keys:
            data_keys.remove("pull_request")
            data__pullrequest = data["pull_request"]
            if not isinstance(data__pullrequest, (dict, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request must be object or null", value=data__pullrequest, name="" + (name_prefix or "data") + ".pull_request", definition={'type': ['object', 'null'], 'properties': {'number': {'type': ['integer', 'null']}, 'url': {'type': ['string', 'null']}, 'state': {'type': ['string', 'null']}, 'head_sha': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}}}, rule='type')
            data__pullrequest_is_dict = isinstance(data__pullrequest, dict)
            if data__pullrequest_is_dict:
                data__pullrequest_keys = set(data__pullrequest.keys())
                if "number" in data__pullrequest_keys:
                    data__pullrequest_keys.remove("number")
                    data__pullrequest__number = data__pullrequest["number"]
                    if not isinstance(data__pullrequest__number, (int, NoneType)) and not (isinstance(data__pullrequest__number, float) and data__pullrequest__number.is_integer()) or isinstance(data__pullrequest__number, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.number must be integer or null", value=data__pullrequest__number, name="" + (name_prefix or "data") + ".pull_request.number", definition={'type': ['integer', 'null']}, rule='type')
                if "url" in data__pullrequest_keys:
                    data__pullrequest_keys.remove("url")
                    data__pullrequest__url = data__pullrequest["url"]
                    if not isinstance(data__pullrequest__url, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.url must be string or null", value=data__pullrequest__url, name="" + (name_prefix or "data") + ".pull_request.url", definition={'type': ['string', 'null']}, rule='type')
                if "state" in data__pullrequest_keys:
                    data__pullrequest_keys.remove("state")
                    data__pullrequest__state = data__pullrequest["state"]
                    if not isinstance(data__pullrequest__state, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.state must be string or null", value=data__pullrequest__state, name="" + (name_prefix or "data") + ".pull_request.state", definition={'type': ['string', 'null']}, rule='type')
                if "head_sha" in data__pullrequest_keys:
                    data__pullrequest_keys.remove("head_sha")
                    data__pullrequest__headsha = data__pullrequest["head_sha"]
                    if not isinstance(data__pullrequest__headsha, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.head_sha must be string or null", value=data__pullrequest__headsha, name="" + (name_prefix or "data") + ".pull_request.head_sha", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='type')
                    if isinstance(data__pullrequest__headsha, str):
                        if not REGEX_PATTERNS['^[0-9a-f]{40}([0-9a-f]{24})?$'].search(data__pullrequest__headsha):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request.head_sha must match pattern ^[0-9a-f]{40}([0-9a-f]{24})?$", value=data__pullrequest__headsha, name="" + (name_prefix or "data") + ".pull_request.head_sha", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='pattern')
        if "pull_request_error" in data_keys:
            data_keys.remove("pull_request_error")
            data__pullrequesterror = data["pull_request_error"]
            if not isinstance(data__pullrequesterror, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request_error must be string", value=data__pullrequesterror, name="" + (name_prefix or "data") + ".pull_request_error", definition={'type': 'string'}, rule='type')
        if "url_set" in data_keys:
            data_keys.remove("url_set")
            data__urlset = data["url_set"]
            if not isinstance(data__urlset, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".url_set must be boolean", value=data__urlset, name="" + (name_prefix or "data") + ".url_set", definition={'type': 'boolean'}, rule='type')
        if "webhook" in data_keys:
            data_keys.remove("webhook")
            data__webhook = data["webhook"]
            if not isinstance(data__webhook, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".webhook must be object", value=data__webhook, name="" + (name_prefix or "data") + ".webhook", definition={'type': 'object', 'properties': {'previous': {'type': ['object', 'null']}, 'previous_run': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'previous_version': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, 'previous_digest': {'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}}}, rule='type')
            data__webhook_is_dict = isinstance(data__webhook, dict)
            if data__webhook_is_dict:
                data__webhook_keys = set(data__webhook.keys())
                if "previous" in data__webhook_keys:
                    data__webhook_keys.remove("previous")
                    data__webhook__previous = data__webhook["previous"]
                    if not isinstance(data__webhook__previous, (dict, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".webhook.previous must be object or null", value=data__webhook__previous, name="" + (name_prefix or "data") + ".webhook.previous", definition={'type': ['object', 'null']}, rule='type')
                if "previous_run" in data__webhook_keys:
                    data__webhook_keys.remove("previous_run")
                    data__webhook__previousrun = data__webhook["previous_run"]
                    if not isinstance(data__webhook__previousrun, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".webhook.previous_run must be string or null", value=data__webhook__previousrun, name="" + (name_prefix or "data") + ".webhook.previous_run", definition={'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data__webhook__previousrun, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__webhook__previousrun):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".webhook.previous_run must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__webhook__previousrun, name="" + (name_prefix or "data") + ".webhook.previous_run", definition={'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                if "previous_version" in data__webhook_keys:
                    data__webhook_keys.remove("previous_version")
                    data__webhook__previousversion = data__webhook["previous_version"]
                    if not isinstance(data__webhook__previousversion, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".webhook.previous_version must be string or null", value=data__webhook__previousversion, name="" + (name_prefix or "data") + ".webhook.previous_version", definition={'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data__webhook__previousversion, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__webhook__previousversion):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".webhook.previous_version must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__webhook__previousversion, name="" + (name_prefix or "data") + ".webhook.previous_version", definition={'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
                if "previous_digest" in data__webhook_keys:
                    data__webhook_keys.remove("previous_digest")
                    data__webhook__previousdigest = data__webhook["previous_digest"]
                    if not isinstance(data__webhook__previousdigest, (str, NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".webhook.previous_digest must be string or null", value=data__webhook__previousdigest, name="" + (name_prefix or "data") + ".webhook.previous_digest", definition={'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='type')
                    if isinstance(data__webhook__previousdigest, str):
                        if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f]*$'].search(data__webhook__previousdigest):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".webhook.previous_digest must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f]*$", value=data__webhook__previousdigest, name="" + (name_prefix or "data") + ".webhook.previous_digest", definition={'type': ['string', 'null'], 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f]*$'}, rule='pattern')
    return data


validate = validate_skillsync_snapshot_v1
