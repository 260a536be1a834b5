"""Validates an EPCIS document against GS1's EPCIS-JSON-Schema (shared/epcis), formats checked too.

Usage: validate_epcis.py SCHEMA DOCUMENT. Prints "valid", or every error with its path, and exits 1.
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
document = json.load(open(sys.argv[2]))
validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
for e in errors[:20]:
    print("/".join(str(p) for p in e.absolute_path), ":", e.message[:300])
if errors:
    sys.exit(1)
print("valid")
