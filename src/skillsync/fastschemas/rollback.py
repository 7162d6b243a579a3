"""Generated from schemas/rollback.schema.json by `python -m skillsync.jsonschemas --write` (fastjsonschema 2.22.3); do not edit. See skillsync.jsonschemas."""
# ruff: noqa
# mypy: ignore-errors
SCHEMA_SHA256 = "44c6970a6b3b3cae6b08956ca035cb2f99d8b3404bc53d3cc61105e8cb41172a"
VERSION = "2.22.3"
import re
from skillsync.fastschemas._runtime import Decimal, JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^[a-z0-9][a-z0-9._-]{0,63}$': re.compile('^[a-z0-9][a-z0-9._-]{0,63}\\Z'),
    '^[0-9a-f]{40}([0-9a-f]{24})?$': re.compile('^[0-9a-f]{40}([0-9a-f]{24})?\\Z')
}

NoneType = type(None)

def validate_skillsync_rollback_outcome_v1(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.rollback-outcome/v1', 'title': 'skillsync rollback of one target (RUN_DIR/rollbacks/<target>.json)', 'type': 'object', 'required': ['target', 'mechanism', 'status', 'message'], 'properties': {'target': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'status': {'enum': ['rolled-back', 'no-op', 'planned', 'pending', 'refused', 'failed', 'manual']}, 'message': {'type': 'string'}, 'commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'verified': {'type': ['boolean', 'null']}, 'verification': {'type': ['string', 'null']}, 'pull_request': {'type': ['object', 'null']}, 'data': {'type': 'object'}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['target', 'mechanism', 'status', 'message']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'skillsync.rollback-outcome/v1', 'title': 'skillsync rollback of one target (RUN_DIR/rollbacks/<target>.json)', 'type': 'object', 'required': ['target', 'mechanism', 'status', 'message'], 'properties': {'target': {'type': 'string', 'pattern': '^[a-z0-9][a-z0-9._-]{0,63}$'}, 'mechanism': {'enum': ['pull-request', 'push', 'submodule', 'webhook']}, 'status': {'enum': ['rolled-back', 'no-op', 'planned', 'pending', 'refused', 'failed', 'manual']}, 'message': {'type': 'string'}, 'commit': {'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, 'verified': {'type': ['boolean', 'null']}, 'verification': {'type': ['string', 'null']}, 'pull_request': {'type': ['object', 'null']}, 'data': {'type': 'object'}}}, rule='required')
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
            if not (isinstance(data__status, str) and data__status == 'rolled-back' or isinstance(data__status, str) and data__status == 'no-op' or isinstance(data__status, str) and data__status == 'planned' or isinstance(data__status, str) and data__status == 'pending' or isinstance(data__status, str) and data__status == 'refused' or isinstance(data__status, str) and data__status == 'failed' or isinstance(data__status, str) and data__status == 'manual'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".status must be one of ['rolled-back', 'no-op', 'planned', 'pending', 'refused', 'failed', 'manual']", value=data__status, name="" + (name_prefix or "data") + ".status", definition={'enum': ['rolled-back', 'no-op', 'planned', 'pending', 'refused', 'failed', 'manual']}, rule='enum')
        if "message" in data_keys:
            data_keys.remove("message")
            data__message = data["message"]
            if not isinstance(data__message, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".message must be string", value=data__message, name="" + (name_prefix or "data") + ".message", definition={'type': 'string'}, rule='type')
        if "commit" in data_keys:
            data_keys.remove("commit")
            data__commit = data["commit"]
            if not isinstance(data__commit, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".commit must be string or null", value=data__commit, name="" + (name_prefix or "data") + ".commit", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='type')
            if isinstance(data__commit, str):
                if not REGEX_PATTERNS['^[0-9a-f]{40}([0-9a-f]{24})?$'].search(data__commit):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".commit must match pattern ^[0-9a-f]{40}([0-9a-f]{24})?$", value=data__commit, name="" + (name_prefix or "data") + ".commit", definition={'type': ['string', 'null'], 'pattern': '^[0-9a-f]{40}([0-9a-f]{24})?$'}, rule='pattern')
        if "verified" in data_keys:
            data_keys.remove("verified")
            data__verified = data["verified"]
            if not isinstance(data__verified, (bool, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".verified must be boolean or null", value=data__verified, name="" + (name_prefix or "data") + ".verified", definition={'type': ['boolean', 'null']}, rule='type')
        if "verification" in data_keys:
            data_keys.remove("verification")
            data__verification = data["verification"]
            if not isinstance(data__verification, (str, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".verification must be string or null", value=data__verification, name="" + (name_prefix or "data") + ".verification", definition={'type': ['string', 'null']}, rule='type')
        if "pull_request" in data_keys:
            data_keys.remove("pull_request")
            data__pullrequest = data["pull_request"]
            if not isinstance(data__pullrequest, (dict, NoneType)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".pull_request must be object or null", value=data__pullrequest, name="" + (name_prefix or "data") + ".pull_request", definition={'type': ['object', 'null']}, rule='type')
        if "data" in data_keys:
            data_keys.remove("data")
            data__data = data["data"]
            if not isinstance(data__data, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".data must be object", value=data__data, name="" + (name_prefix or "data") + ".data", definition={'type': 'object'}, rule='type')
    return data


validate = validate_skillsync_rollback_outcome_v1
