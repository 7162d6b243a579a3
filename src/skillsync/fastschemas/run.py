"""Generated from schemas/run.schema.json by `python -m skillsync.jsonschemas --write` (fastjsonschema 2.22.3); do not edit. See skillsync.jsonschemas."""
# ruff: noqa
# mypy: ignore-errors
SCHEMA_SHA256 = "9c6fe01b15ed019267dd0e7fdbb07d1cdb7f3c7b9ee8a10e9465eeb539bce19c"
VERSION = "2.22.3"
import re
from skillsync.fastschemas._runtime import Decimal, JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$': re.compile('^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}\\Z'),
    '^[0-9T:.Z+-]{1,40}$': re.compile('^[0-9T:.Z+-]{1,40}\\Z')
}

NoneType = type(None)

def validate_skillsync_run_v1(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.run/v1', 'title': 'skillsync run metadata (RUN_DIR/run.json)', 'description': 'The run id names the run in commit trailers, lock refs and rollback branches, so it is one printable line without path separators.', 'type': 'object', 'required': ['run_id'], 'properties': {'run_id': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$'}, 'created': {'type': 'string', 'pattern': '^[0-9T:.Z+-]{1,40}$'}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['run_id']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.run/v1', 'title': 'skillsync run metadata (RUN_DIR/run.json)', 'description': 'The run id names the run in commit trailers, lock refs and rollback branches, so it is one printable line without path separators.', 'type': 'object', 'required': ['run_id'], 'properties': {'run_id': {'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$'}, 'created': {'type': 'string', 'pattern': '^[0-9T:.Z+-]{1,40}$'}}}, rule='required')
        data_keys = set(data.keys())
        if "run_id" in data_keys:
            data_keys.remove("run_id")
            data__runid = data["run_id"]
            if not isinstance(data__runid, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".run_id must be string", value=data__runid, name="" + (name_prefix or "data") + ".run_id", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$'}, rule='type')
            if isinstance(data__runid, str):
                if not REGEX_PATTERNS['^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$'].search(data__runid):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".run_id must match pattern ^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$", value=data__runid, name="" + (name_prefix or "data") + ".run_id", definition={'type': 'string', 'pattern': '^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]{1,200}$'}, rule='pattern')
        if "created" in data_keys:
            data_keys.remove("created")
            data__created = data["created"]
            if not isinstance(data__created, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".created must be string", value=data__created, name="" + (name_prefix or "data") + ".created", definition={'type': 'string', 'pattern': '^[0-9T:.Z+-]{1,40}$'}, rule='type')
            if isinstance(data__created, str):
                if not REGEX_PATTERNS['^[0-9T:.Z+-]{1,40}$'].search(data__created):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".created must match pattern ^[0-9T:.Z+-]{1,40}$", value=data__created, name="" + (name_prefix or "data") + ".created", definition={'type': 'string', 'pattern': '^[0-9T:.Z+-]{1,40}$'}, rule='pattern')
    return data


validate = validate_skillsync_run_v1
