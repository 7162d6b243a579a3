"""Generated from schemas/plan.schema.json by `python -m skillsync.jsonschemas --write` (fastjsonschema 2.22.3); do not edit. See skillsync.jsonschemas."""
# ruff: noqa
# mypy: ignore-errors
SCHEMA_SHA256 = "8109e859644ceea0307bc1bd12d2565a157c535701c5582b0e5961715dd11571"
VERSION = "2.22.3"
import re
from skillsync.fastschemas._runtime import Decimal, JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[0-9a-f]{40}$': re.compile('^[0-9a-f]{40}\\Z')
}

NoneType = type(None)

def validate_skillsync_plan_v1(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.plan/v1', 'title': 'skillsync plan for one target (RUN_DIR/plans/<target>.json)', 'type': 'object', 'required': ['schema', 'target', 'mechanism', 'decision', 'reason', 'version', 'commit', 'operations', 'counts'], 'properties': {'schema': {'const': 'skillsync.plan/v1'}, 'target': {'type': 'string'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'decision': {'enum': ['update', 'no-op', 'skip', 'halt']}, 'reason': {'type': 'string'}, 'version': {'type': 'string'}, 'commit': {'type': 'string', 'pattern': '^[0-9a-f]{40}$'}, 'branch': {'type': ['string', 'null']}, 'base_head': {'type': ['string', 'null']}, 'work_branch': {'type': ['string', 'null']}, 'previous_version': {'type': ['string', 'null']}, 'drift': {'type': 'array', 'items': {'type': 'string'}}, 'pointer': {'type': ['object', 'null']}, 'operations': {'type': 'array', 'items': {'type': 'object', 'required': ['op', 'path'], 'properties': {'op': {'enum': ['add', 'modify', 'delete']}, 'path': {'type': 'string'}, 'sha256': {'type': ['string', 'null']}, 'blob': {'type': ['string', 'null']}, 'mode': {'type': ['string', 'null']}, 'old_blob': {'type': ['string', 'null']}}}}, 'counts': {'type': 'object'}, 'data': {'type': 'object'}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['schema', 'target', 'mechanism', 'decision', 'reason', 'version', 'commit', 'operations', 'counts']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.plan/v1', 'title': 'skillsync plan for one target (RUN_DIR/plans/<target>.json)', 'type': 'object', 'required': ['schema', 'target', 'mechanism', 'decision', 'reason', 'version', 'commit', 'operations', 'counts'], 'properties': {'schema': {'const': 'skillsync.plan/v1'}, 'target': {'type': 'string'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'decision': {'enum': ['update', 'no-op', 'skip', 'halt']}, 'reason': {'type': 'string'}, 'version': {'type': 'string'}, 'commit': {'type': 'string', 'pattern': '^[0-9a-f]{40}$'}, 'branch': {'type': ['string', 'null']}, 'base_head': {'type': ['string', 'null']}, 'work_branch': {'type': ['string', 'null']}, 'previous_version': {'type': ['string', 'null']}, 'drift': {'type': 'array', 'items': {'type': 'string'}}, 'pointer': {'type': ['object', 'null']}, 'operations': {'type': 'array', 'items': {'type': 'object', 'required': ['op', 'path'], 'properties': {'op': {'enum': ['add', 'modify', 'delete']}, 'path': {'type': 'string'}, 'sha256': {'type': ['string', 'null']}, 'blob': {'type': ['string', 'null']}, 'mode': {'type': ['string', 'null']}, 'old_blob': {'type': ['string', 'null']}}}}, 'counts': {'type': 'object'}, 'data': {'type': 'object'}}}, rule='required')
        data_keys = set(data.keys())
        if "schema" in data_keys:
            data_keys.remove("schema")
            data__schema = data["schema"]
            if not (isinstance(data__schema, str) and data__schema == 'skillsync.plan/v1'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".schema must be same as const definition: skillsync.plan/v1", value=data__schema, name="" + (name_prefix or "data") + ".schema", definition={'const': 'skillsync.plan/v1'}, rule='const')
        if "target" in data_keys:
            data_keys.remove("target")
            data__target = data["target"]
            if not isinstance(data__target, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".target must be string", value=data__target, name="" + (name_prefix or "data") + ".target", definition={'type': 'string'}, rule='type')
        if "mechanism" in data_keys:
            data_keys.remove("mechanism")
            data__mechanism = data["mechanism"]
            if not (isinstance(data__mechanism, str) and data__mechanism == 'pull-request' or isinstance(data__mechanism, str) and data__mechanism == 'push' or isinstance(data__mechanism, str) and data__mechanism == 'submodule' or isinstance(data__mechanism, str) and data__mechanism == 'webhook'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".mechanism must be one of ['pull-request', 'push', 'submodule', 'webhook']", value=data__mechanism, name="" + (name_prefix or "data") + ".mechanism", definition={'enum': ['pull-request', 'push', 'submodule', 'webhook']}, rule='enum')
        if "decision" in data_keys:
            data_keys.remove("decision")
            data__decision = data["decision"]
            if not (isinstance(data__decision, str) and data__decision == 'update' or isinstance(data__decision, str) and data__decision == 'no-op' or isinstance(data__decision, str) and data__decision == 'skip' or isinstance(data__decision, str) and data__decision == 'halt'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".decision must be one of ['update', 'no-op', 'skip', 'halt']", value=data__decision, name="" + (name_prefix or "data") + ".decision", definition={'enum': ['update', 'no-op', 'skip', 'halt']}, rule='enum')
        if "reason" in data_keys:
            data_keys.remove("reason")
            data__reason = data["reason"]
            if not isinstance(data__reason, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".reason must be string", value=data__reason, name="" + (name_prefix or "data") + ".reason", definition={'type': 'string'}, rule='type')
        if "version" in data_keys:
            data_keys.remove("version")
            data__version = data["version"]
            if not isinstance(data__version, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".version must be string", value=data__version, name="" + (name_prefix or "data") + ".version", definition={'type': 'string'}, rule='type')
        if "commit" in data_keys:
            data_keys.remove("commit")
            data__commit = data["commit"]
            if not isinstance(data__commit, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".commit must be string", value=data__commit, name="" + (name_prefix or "data") + ".commit", definition={'type': 'string', 'pattern': '^[0-9a-f]{40}$'}, rule='type')
            if isinstance(data__commit, str):
                if not REGEX_PATTERNS['^[0-9a-f]{40}$'].search(data__commit):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".commit must match pattern ^[0-9a-f]{40}$", value=data__commit, name="" + (name_prefix or "data") + ".commit", definition={'type': 'string', 'pattern': '^[0-9a-f]{40}$'}, rule='pattern')
        if "branch" in data_keys:
            data_keys.remove("branch")
            data__branch = data["branch"]
            if not isinstance(data__branch, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".branch must be string or null", value=data__branch, name="" + (name_prefix or "data") + ".branch", definition={'type': ['string', 'null']}, rule='type')
        if "base_head" in data_keys:
            data_keys.remove("base_head")
            data__basehead = data["base_head"]
            if not isinstance(data__basehead, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".base_head must be string or null", value=data__basehead, name="" + (name_prefix or "data") + ".base_head", definition={'type': ['string', 'null']}, rule='type')
        if "work_branch" in data_keys:
            data_keys.remove("work_branch")
            data__workbranch = data["work_branch"]
            if not isinstance(data__workbranch, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".work_branch must be string or null", value=data__workbranch, name="" + (name_prefix or "data") + ".work_branch", definition={'type': ['string', 'null']}, rule='type')
        if "previous_version" in data_keys:
            data_keys.remove("previous_version")
            data__previousversion = data["previous_version"]
            if not isinstance(data__previousversion, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".previous_version must be string or null", value=data__previousversion, name="" + (name_prefix or "data") + ".previous_version", definition={'type': ['string', 'null']}, rule='type')
        if "drift" in data_keys:
            data_keys.remove("drift")
            data__drift = data["drift"]
            if not isinstance(data__drift, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".drift must be array", value=data__drift, name="" + (name_prefix or "data") + ".drift", definition={'type': 'array', 'items': {'type': 'string'}}, rule='type')
            data__drift_is_list = isinstance(data__drift, (list, tuple))
            if data__drift_is_list:
                data__drift_len = len(data__drift)
                for data__drift_x, data__drift_item in enumerate(data__drift):
                    if not isinstance(data__drift_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".drift[{data__drift_x}]".format(**locals()) + " must be string", value=data__drift_item, name="" + (name_prefix or "data") + ".drift[{data__drift_x}]".format(**locals()) + "", definition={'type': 'string'}, rule='type')
        if "pointer" in data_keys:
            data_keys.remove("pointer")
            data__pointer = data["pointer"]
            if not isinstance(data__pointer, (dict, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".pointer must be object or null", value=data__pointer, name="" + (name_prefix or "data") + ".pointer", definition={'type': ['object', 'null']}, rule='type')
        if "operations" in data_keys:
            data_keys.remove("operations")
            data__operations = data["operations"]
            if not isinstance(data__operations, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".operations must be array", value=data__operations, name="" + (name_prefix or "data") + ".operations", definition={'type': 'array', 'items': {'type': 'object', 'required': ['op', 'path'], 'properties': {'op': {'enum': ['add', 'modify', 'delete']}, 'path': {'type': 'string'}, 'sha256': {'type': ['string', 'null']}, 'blob': {'type': ['string', 'null']}, 'mode': {'type': ['string', 'null']}, 'old_blob': {'type': ['string', 'null']}}}}, rule='type')
            data__operations_is_list = isinstance(data__operations, (list, tuple))
            if data__operations_is_list:
                data__operations_len = len(data__operations)
                for data__operations_x, data__operations_item in enumerate(data__operations):
                    if not isinstance(data__operations_item, (dict)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".operations[{data__operations_x}]".format(**locals()) + " must be object", value=data__operations_item, name="" + (name_prefix or "data") + ".operations[{data__operations_x}]".format(**locals()) + "", definition={'type': 'object', 'required': ['op', 'path'], 'properties': {'op': {'enum': ['add', 'modify', 'delete']}, 'path': {'type': 'string'}, 'sha256': {'type': ['string', 'null']}, 'blob': {'type': ['string', 'null']}, 'mode': {'type': ['string', 'null']}, 'old_blob': {'type': ['string', 'null']}}}, rule='type')
                    data__operations_item_is_dict = isinstance(data__operations_item, dict)
                    if data__operations_item_is_dict:
                        data__operations_item__missing_keys = set(['op', 'path']) - data__operations_item.keys()
                        if data__operations_item__missing_keys:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".operations[{data__operations_x}]".format(**locals()) + " must contain " + (str(sorted(data__operations_item__missing_keys)) + " properties"), value=data__operations_item, name="" + (name_prefix or "data") + ".operations[{data__operations_x}]".format(**locals()) + "", definition={'type': 'object', 'required': ['op', 'path'], 'properties': {'op': {'enum': ['add', 'modify', 'delete']}, 'path': {'type': 'string'}, 'sha256': {'type': ['string', 'null']}, 'blob': {'type': ['string', 'null']}, 'mode': {'type': ['string', 'null']}, 'old_blob': {'type': ['string', 'null']}}}, rule='required')
                        data__operations_item_keys = set(data__operations_item.keys())
                        if "op" in data__operations_item_keys:
                            data__operations_item_keys.remove("op")
                            data__operations_item__op = data__operations_item["op"]
                            if not (isinstance(data__operations_item__op, str) and data__operations_item__op == 'add' or isinstance(data__operations_item__op, str) and data__operations_item__op == 'modify' or isinstance(data__operations_item__op, str) and data__operations_item__op == 'delete'):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".operations[{data__operations_x}].op".format(**locals()) + " must be one of ['add', 'modify', 'delete']", value=data__operations_item__op, name="" + (name_prefix or "data") + ".operations[{data__operations_x}].op".format(**locals()) + "", definition={'enum': ['add', 'modify', 'delete']}, rule='enum')
                        if "path" in data__operations_item_keys:
                            data__operations_item_keys.remove("path")
                            data__operations_item__path = data__operations_item["path"]
                            if not isinstance(data__operations_item__path, (str)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".operations[{data__operations_x}].path".format(**locals()) + " must be string", value=data__operations_item__path, name="" + (name_prefix or "data") + ".operations[{data__operations_x}].path".format(**locals()) + "", definition={'type': 'string'}, rule='type')
                        if "sha256" in data__operations_item_keys:
                            data__operations_item_keys.remove("sha256")
                            data__operations_item__sha256 = data__operations_item["sha256"]
                            if not isinstance(data__operations_item__sha256, (str, NoneType)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".operations[{data__operations_x}].sha256".format(**locals()) + " must be string or null", value=data__operations_item__sha256, name="" + (name_prefix or "data") + ".operations[{data__operations_x}].sha256".format(**locals()) + "", definition={'type': ['string', 'null']}, rule='type')
                        if "blob" in data__operations_item_keys:
                            data__operations_item_keys.remove("blob")
                            data__operations_item__blob = data__operations_item["blob"]
                            if not isinstance(data__operations_item__blob, (str, NoneType)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".operations[{data__operations_x}].blob".format(**locals()) + " must be string or null", value=data__operations_item__blob, name="" + (name_prefix or "data") + ".operations[{data__operations_x}].blob".format(**locals()) + "", definition={'type': ['string', 'null']}, rule='type')
                        if "mode" in data__operations_item_keys:
                            data__operations_item_keys.remove("mode")
                            data__operations_item__mode = data__operations_item["mode"]
                            if not isinstance(data__operations_item__mode, (str, NoneType)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".operations[{data__operations_x}].mode".format(**locals()) + " must be string or null", value=data__operations_item__mode, name="" + (name_prefix or "data") + ".operations[{data__operations_x}].mode".format(**locals()) + "", definition={'type': ['string', 'null']}, rule='type')
                        if "old_blob" in data__operations_item_keys:
                            data__operations_item_keys.remove("old_blob")
                            data__operations_item__oldblob = data__operations_item["old_blob"]
                            if not isinstance(data__operations_item__oldblob, (str, NoneType)):
                                raise JsonSchemaValueException("" + (name_prefix or "data") + ".operations[{data__operations_x}].old_blob".format(**locals()) + " must be string or null", value=data__operations_item__oldblob, name="" + (name_prefix or "data") + ".operations[{data__operations_x}].old_blob".format(**locals()) + "", definition={'type': ['string', 'null']}, rule='type')
        if "counts" in data_keys:
            data_keys.remove("counts")
            data__counts = data["counts"]
            if not isinstance(data__counts, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".counts must be object", value=data__counts, name="" + (name_prefix or "data") + ".counts", definition={'type': 'object'}, rule='type')
        if "data" in data_keys:
            data_keys.remove("data")
            data__data = data["data"]
            if not isinstance(data__data, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".data must be object", value=data__data, name="" + (name_prefix or "data") + ".data", definition={'type': 'object'}, rule='type')
    return data


validate = validate_skillsync_plan_v1
