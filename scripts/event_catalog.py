"""Generate the event catalog from the schemas, which are the contract: docs/asyncapi.json (AsyncAPI 2.6)
and docs/events.md. `make docs` writes them; tests/test_catalog.py fails when they are out of date.

    python -m scripts.event_catalog [--check]
"""
import argparse
import importlib
import json
import sys
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from shared import contracts, envelope, topology

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def load_services():
    """Import every contract and service class; returns {service name: consumed event types}."""
    contracts.load_all()
    consumers = {}
    for folder in sorted((ROOT / "services").iterdir()):
        if (folder / "service.py").exists():
            module = importlib.import_module(f"services.{folder.name}.service")
            for value in vars(module).values():
                if isinstance(value, type) and getattr(value, "__module__", None) == module.__name__ \
                        and isinstance(getattr(value, "name", None), str):
                    consumers[value.name] = topology.consumed_event_types(value)
    return consumers


def schema_name(event_type, version):
    return "".join(part.title() for part in event_type.replace(".", "_").split("_")) + f"V{version}"


def asyncapi(consumers):
    spec = APISpec("pimms", "1", "3.0.3", plugins=[MarshmallowPlugin()])
    for (event_type, version), schema in sorted(envelope.EVENTS.items()):
        spec.components.schema(schema_name(event_type, version), schema=schema)
    spec.components.schema("Envelope", schema=envelope.EnvelopeSchema)
    schemas = json.loads(json.dumps(spec.to_dict()["components"]["schemas"]).replace(
        "#/components/schemas/", "#/components/schemas/"))
    channels, messages = {}, {}
    for (event_type, version), schema in sorted(envelope.EVENTS.items()):
        name = schema_name(event_type, version)
        doc = (schema.__doc__ or "").strip()
        messages[name] = {
            "name": event_type, "title": f"{event_type} v{version}", "contentType": "application/json",
            "summary": doc.split("\n")[0] if doc else event_type,
            "payload": {"allOf": [{"$ref": "#/components/schemas/Envelope"}, {"type": "object", "properties": {
                "type": {"const": event_type}, "version": {"const": version},
                "payload": {"$ref": f"#/components/schemas/{name}"}}}]},
        }
        channel = channels.setdefault(event_type, {
            "description": f"Exchange `{topology.EVENTS}` (topic), routing key `{event_type}`.",
            "publish": {"message": {"oneOf": []}},
            "x-consumers": sorted(s for s, types in consumers.items() if event_type in types),
        })
        channel["publish"]["message"]["oneOf"].append({"$ref": f"#/components/messages/{name}"})
    return {
        "asyncapi": "2.6.0",
        "info": {"title": "PIMMS network platform events", "version": "1",
                 "description": "Generated from the marshmallow schemas by scripts/event_catalog.py."},
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"schemas": schemas, "messages": messages},
    }


def markdown(consumers, doc):
    lines = ["# Event catalog", "",
             "Generated from the contracts (`shared/contracts/<service>.py`) by `make docs`; do not edit.",
             "Every event travels in the envelope `{event_id, type, version, occurred_at, association_id,",
             "pimms_id, payload}` on the exchange `pimms.events`, routing key = type. The machine-readable",
             "form is `docs/asyncapi.json`.", ""]
    for (event_type, version), schema in sorted(envelope.EVENTS.items()):
        name = schema_name(event_type, version)
        body = doc["components"]["schemas"][name]
        consumed_by = ", ".join(doc["channels"][event_type]["x-consumers"]) or "nobody yet"
        lines += [f"## `{event_type}` v{version}", ""]
        if schema.__doc__:
            lines += [" ".join(schema.__doc__.split()), ""]
        upcaster = envelope.UPCASTERS.get((event_type, version))
        if upcaster is not None:  # consumers receive it as the next version (shared/envelope.py's upcast)
            lines += [f"Consumers receive it upcast to v{version + 1} by `{upcaster.__module__}.{upcaster.__name__}`: "
                      + " ".join((upcaster.__doc__ or "").split()), ""]
        lines += [f"Published by `{event_type.split('.')[0]}`; consumed by {consumed_by}.", "",
                  "| field | type | required | rule |", "|---|---|---|---|"]
        for field, prop in body["properties"].items():
            lines.append(f"| `{field}` | {_type(prop)} | {'yes' if field in body.get('required', []) else 'no'} "
                         f"| {_rule(prop)} |")
        lines.append("")
    return "\n".join(lines)


def _type(prop):
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if prop.get("type") == "array":
        return f"list of {_type(prop.get('items', {}))}"
    kind = prop.get("type", "object")
    return f"{kind} ({prop['format']})" if "format" in prop else kind


def _rule(prop):
    target = prop.get("items", prop)
    rules = []
    if "enum" in target:
        rules.append("one of " + ", ".join(f"`{v}`" for v in target["enum"] if v is not None))
    if "pattern" in target:
        rules.append(f"matches `{target['pattern']}`")
    for key, word in (("minimum", "≥"), ("maximum", "≤"), ("minItems", "at least"), ("maxItems", "at most")):
        if key in prop:
            rules.append(f"{word} {prop[key]}")
    if prop.get("nullable"):
        rules.append("may be null")
    return "; ".join(rules).replace("|", "\\|")


def render():
    consumers = load_services()
    doc = asyncapi(consumers)
    return {DOCS / "asyncapi.json": json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
            DOCS / "events.md": markdown(consumers, doc) + "\n"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed catalog is out of date")
    args = parser.parse_args()
    stale = []
    for path, text in render().items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
    if stale:
        print("out of date (run `make docs`): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
