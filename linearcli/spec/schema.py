"""The JSON Schema (draft 2020-12) of the YAML spec format, for editors and CI.

It describes what ``linearcli.spec.yaml_spec`` accepts; the tests validate every spec in
specs/ against it. Layer type names are checked by pattern only: which ones exist is
torch's to say, when the model is built.
"""

from __future__ import annotations

from typing import Any

from linearcli.spec.types import FLOAT_DTYPES, INIT_SCHEMES, INTEGER_DTYPES

_TYPE_NAME = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"
_SCHEME_NAMES = sorted({*INIT_SCHEMES, *(name.rstrip("_") for name in INIT_SCHEMES)})

SPEC_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:linearcli:spec:1",
    "title": "linearcli model spec",
    "description": "A PyTorch model as a list or mapping of torch.nn layers, and a sample input.",
    "type": "object",
    "required": ["model"],
    "additionalProperties": False,
    "properties": {
        "model": {"$ref": "#/$defs/layers"},
        "input": {"$ref": "#/$defs/input"},
    },
    "$defs": {
        "layers": {
            "description": "Layers run in order: a mapping of name -> layer (names become "
            "module names) or a list (named 0, 1, ... as in nn.Sequential).",
            "oneOf": [
                {
                    "type": "object",
                    "minProperties": 1,
                    "propertyNames": {"$ref": "#/$defs/layerName"},
                    "additionalProperties": {"$ref": "#/$defs/layer"},
                },
                {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/layer"}},
            ],
        },
        "layerName": {
            "type": "string",
            "minLength": 1,
            "pattern": r"^[^.]+$",
            "description": "A module name: not empty, no '.'.",
        },
        "typeName": {
            "type": "string",
            "pattern": _TYPE_NAME,
            "description": "A class in torch.nn (Linear, ReLU, nn.Linear), or a dotted path "
            "with --allow-imports.",
        },
        "layer": {
            "oneOf": [
                {"$ref": "#/$defs/typeName"},
                {
                    "type": "object",
                    "description": "Sequential nests a list or mapping of layers.",
                    "required": ["Sequential"],
                    "additionalProperties": False,
                    "properties": {"Sequential": {"$ref": "#/$defs/layers"}},
                },
                {
                    "type": "object",
                    "description": "{Type: arguments}: a list (positional), a mapping "
                    "(keyword), a single value (one positional) or null (none); "
                    "optionally with init: next to it.",
                    "minProperties": 1,
                    "maxProperties": 2,
                    "properties": {"init": {"$ref": "#/$defs/init"}},
                    "propertyNames": {
                        "anyOf": [
                            {"const": "init"},
                            {
                                "allOf": [
                                    {"$ref": "#/$defs/typeName"},
                                    {"not": {"const": "Sequential"}},
                                ]
                            },
                        ]
                    },
                    "not": {"required": ["init"], "maxProperties": 1},
                    "if": {"minProperties": 2},
                    "then": {"required": ["init"]},
                },
            ]
        },
        "init": {
            "description": "How to initialise the layer: a scheme for the weight, or "
            "{weight: scheme, bias: scheme}.",
            "oneOf": [
                {"$ref": "#/$defs/scheme"},
                {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": False,
                    "properties": {
                        "weight": {"$ref": "#/$defs/scheme"},
                        "bias": {"$ref": "#/$defs/scheme"},
                    },
                },
            ],
        },
        "scheme": {
            "description": "A torch.nn.init function (xavier_uniform_, with or without the "
            "trailing underscore), or {name: {keyword arguments}}.",
            "oneOf": [
                {"enum": _SCHEME_NAMES},
                {
                    "type": "object",
                    "minProperties": 1,
                    "maxProperties": 1,
                    "propertyNames": {"enum": _SCHEME_NAMES},
                    "additionalProperties": {"type": ["object", "null"]},
                },
            ],
        },
        "input": {
            "type": "object",
            "description": "The sample batch.",
            "required": ["shape"],
            "additionalProperties": False,
            "properties": {
                "shape": {
                    "description": "One sample's shape, the batch axis excluded.",
                    "oneOf": [
                        {"type": "integer", "minimum": 1},
                        {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "integer", "minimum": 1},
                        },
                    ],
                },
                "batch_size": {"type": "integer", "minimum": 1, "default": 2},
                "dtype": {"enum": [*FLOAT_DTYPES, *INTEGER_DTYPES], "default": "float32"},
                "high": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Integer inputs: the exclusive upper bound of the random "
                    "ids (for token ids, the vocabulary size).",
                },
            },
            "if": {
                "required": ["dtype"],
                "properties": {"dtype": {"enum": list(INTEGER_DTYPES)}},
            },
            "then": {"required": ["high"]},
            "else": {"not": {"required": ["high"]}},
        },
    },
}
