"""Generated from schemas/routes.schema.json by `python -m skillsync.jsonschemas --write` (fastjsonschema 2.22.3); do not edit. See skillsync.jsonschemas."""
# ruff: noqa
# mypy: ignore-errors
SCHEMA_SHA256 = "066de2da0ac6375b1bd42e6eefe2c7910d84958b3191190b9834f02c3e0363b4"
VERSION = "2.22.3"
import re
from skillsync.fastschemas._runtime import Decimal, JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[a-z0-9][a-z0-9._-]{0,63}$': re.compile('^[a-z0-9][a-z0-9._-]{0,63}\\Z')
}

NoneType = type(None)

def validate_skillsync_routes_v1(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (list, tuple)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.routes/v1', 'title': 'skillsync routing decisions (RUN_DIR/routes.json, route-targets output)', 'description': 'One entry per target: whether it takes the release and in which wave. route-targets --matrix wraps the list as {"include": [...]}; readers unwrap that first.', 'type': 'array', 'items': {'type': 'object', 'additionalProperties': False, 'required': ['id'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'risk': {'enum': ['canary', 'low', 'medium', 'high']}, 'wave': {'type': ['integer', 'null'], 'minimum': 0, 'maximum': 1000}, 'decision': {'enum': ['sync', 'halt', 'skip'], 'description': 'absent means sync'}, 'reason': {'type': 'string'}}}}, rule='type')
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        for data_x, data_item in enumerate(data):
            if not isinstance(data_item, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be object", value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['id'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'risk': {'enum': ['canary', 'low', 'medium', 'high']}, 'wave': {'type': ['integer', 'null'], 'minimum': 0, 'maximum': 1000}, 'decision': {'enum': ['sync', 'halt', 'skip'], 'description': 'absent means sync'}, 'reason': {'type': 'string'}}}, rule='type')
            data_item_is_dict = isinstance(data_item, dict)
            if data_item_is_dict:
                data_item__missing_keys = set(['id']) - data_item.keys()
                if data_item__missing_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must contain " + (str(sorted(data_item__missing_keys)) + " properties"), value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['id'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'risk': {'enum': ['canary', 'low', 'medium', 'high']}, 'wave': {'type': ['integer', 'null'], 'minimum': 0, 'maximum': 1000}, 'decision': {'enum': ['sync', 'halt', 'skip'], 'description': 'absent means sync'}, 'reason': {'type': 'string'}}}, rule='required')
                data_item_keys = set(data_item.keys())
                if "id" in data_item_keys:
                    data_item_keys.remove("id")
                    data_item__id = data_item["id"]
                    if not isinstance(data_item__id, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].id".format(**locals()) + " must be string", value=data_item__id, name="" + (name_prefix or "data") + "[{data_x}].id".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, rule='type')
                    if isinstance(data_item__id, str):
                        if not REGEX_PATTERNS['^[a-z0-9][a-z0-9._-]{0,63}$'].search(data_item__id):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].id".format(**locals()) + " must match pattern ^[a-z0-9][a-z0-9._-]{0,63}$", value=data_item__id, name="" + (name_prefix or "data") + "[{data_x}].id".format(**locals()) + "", definition={'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, rule='pattern')
                if "mechanism" in data_item_keys:
                    data_item_keys.remove("mechanism")
                    data_item__mechanism = data_item["mechanism"]
                    if not (isinstance(data_item__mechanism, str) and data_item__mechanism == 'pull-request' or isinstance(data_item__mechanism, str) and data_item__mechanism == 'push' or isinstance(data_item__mechanism, str) and data_item__mechanism == 'submodule' or isinstance(data_item__mechanism, str) and data_item__mechanism == 'webhook'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].mechanism".format(**locals()) + " must be one of ['pull-request', 'push', 'submodule', 'webhook']", value=data_item__mechanism, name="" + (name_prefix or "data") + "[{data_x}].mechanism".format(**locals()) + "", definition={'enum': ['pull-request', 'push', 'submodule', 'webhook']}, rule='enum')
                if "risk" in data_item_keys:
                    data_item_keys.remove("risk")
                    data_item__risk = data_item["risk"]
                    if not (isinstance(data_item__risk, str) and data_item__risk == 'canary' or isinstance(data_item__risk, str) and data_item__risk == 'low' or isinstance(data_item__risk, str) and data_item__risk == 'medium' or isinstance(data_item__risk, str) and data_item__risk == 'high'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].risk".format(**locals()) + " must be one of ['canary', 'low', 'medium', 'high']", value=data_item__risk, name="" + (name_prefix or "data") + "[{data_x}].risk".format(**locals()) + "", definition={'enum': ['canary', 'low', 'medium', 'high']}, rule='enum')
                if "wave" in data_item_keys:
                    data_item_keys.remove("wave")
                    data_item__wave = data_item["wave"]
                    if not isinstance(data_item__wave, (int, NoneType)) and not (isinstance(data_item__wave, float) and data_item__wave.is_integer()) or isinstance(data_item__wave, bool):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].wave".format(**locals()) + " must be integer or null", value=data_item__wave, name="" + (name_prefix or "data") + "[{data_x}].wave".format(**locals()) + "", definition={'type': ['integer', 'null'], 'minimum': 0, 'maximum': 1000}, rule='type')
                    if isinstance(data_item__wave, (int, float, Decimal)) and not isinstance(data_item__wave, bool):
                        if data_item__wave < 0:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].wave".format(**locals()) + " must be bigger than or equal to 0", value=data_item__wave, name="" + (name_prefix or "data") + "[{data_x}].wave".format(**locals()) + "", definition={'type': ['integer', 'null'], 'minimum': 0, 'maximum': 1000}, rule='minimum')
                        if data_item__wave > 1000:
                            raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].wave".format(**locals()) + " must be smaller than or equal to 1000", value=data_item__wave, name="" + (name_prefix or "data") + "[{data_x}].wave".format(**locals()) + "", definition={'type': ['integer', 'null'], 'minimum': 0, 'maximum': 1000}, rule='maximum')
                if "decision" in data_item_keys:
                    data_item_keys.remove("decision")
                    data_item__decision = data_item["decision"]
                    if not (isinstance(data_item__decision, str) and data_item__decision == 'sync' or isinstance(data_item__decision, str) and data_item__decision == 'halt' or isinstance(data_item__decision, str) and data_item__decision == 'skip'):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].decision".format(**locals()) + " must be one of ['sync', 'halt', 'skip']", value=data_item__decision, name="" + (name_prefix or "data") + "[{data_x}].decision".format(**locals()) + "", definition={'enum': ['sync', 'halt', 'skip'], 'description': 'absent means sync'}, rule='enum')
                if "reason" in data_item_keys:
                    data_item_keys.remove("reason")
                    data_item__reason = data_item["reason"]
                    if not isinstance(data_item__reason, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}].reason".format(**locals()) + " must be string", value=data_item__reason, name="" + (name_prefix or "data") + "[{data_x}].reason".format(**locals()) + "", definition={'type': 'string'}, rule='type')
                if data_item_keys:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must not contain "+str(data_item_keys)+" properties", value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", definition={'type': 'object', 'additionalProperties': False, 'required': ['id'], 'properties': {'id': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'risk': {'enum': ['canary', 'low', 'medium', 'high']}, 'wave': {'type': ['integer', 'null'], 'minimum': 0, 'maximum': 1000}, 'decision': {'enum': ['sync', 'halt', 'skip'], 'description': 'absent means sync'}, 'reason': {'type': 'string'}}}, rule='additionalProperties')
    return data


validate = validate_skillsync_routes_v1
