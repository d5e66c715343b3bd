#!/usr/bin/env python3
"""Regenerates policies/data/taggable.json: which resource types carry tags.

CloudFormation: the resource provider schemas that cfn-lint ships (a type is taggable
when its schema has a top-level tag property: `Tags`, or the one its `tagging`
section names, e.g. `FileSystemTags`), plus the SAM types that take `Tags`.
Terraform: the AWS provider schema (`terraform providers schema -json`): a type is
taggable when it has a `tags` attribute (those are also the types `default_tags`
reaches), plus aws_autoscaling_group, which tags through `tag` blocks.

usage: pip download cfn-lint --no-deps -d W && (cd W && unzip -q cfn_lint-*.whl)
       terraform providers schema -json > schema.json   # in a dir with hashicorp/aws
       scripts/gen-taggable.py W schema.json > policies/data/taggable.json
"""
import json
import pathlib
import re
import sys

SAM = [
    "AWS::Serverless::Api",
    "AWS::Serverless::Application",
    "AWS::Serverless::Function",
    "AWS::Serverless::GraphQLApi",
    "AWS::Serverless::HttpApi",
    "AWS::Serverless::SimpleTable",
    "AWS::Serverless::StateMachine",
]


def cloudformation(wheel: pathlib.Path):
    schemas = wheel / "cfnlint" / "data" / "schemas"
    version = re.search(r'__version__ = "([^"]+)"', (wheel / "cfnlint" / "version.py").read_text())[1]
    index = json.loads((schemas / "providers" / "us-east-1.json").read_text())
    out = {}
    for rtype, digest in sorted(index.items()):
        schema = json.loads((schemas / "resources" / f"{digest}.json").read_text())
        props = schema.get("properties", {})
        tagging = schema.get("tagging", {})
        prop = (tagging.get("tagProperty") or "/properties/Tags").removeprefix("/properties/")
        if "/" in prop:
            continue  # tags nested in TagSpecifications: not the resource's own tags
        if prop in props and tagging.get("taggable", True) is not False:
            out[rtype] = prop
    for rtype in SAM:
        out[rtype] = "Tags"
    return version, dict(sorted(out.items()))


# `tags` that are not resource tags: S3 object tagging is per-object metadata that the
# Resource Groups Tagging API, tag policies and cost allocation do not see.
NOT_RESOURCE_TAGS = {"aws_s3_object", "aws_s3_bucket_object", "aws_s3_object_copy"}


def terraform(schema_file: pathlib.Path):
    schema = json.loads(schema_file.read_text())
    aws = schema["provider_schemas"]["registry.terraform.io/hashicorp/aws"]
    types = [
        t for t, s in aws["resource_schemas"].items()
        if "tags" in s["block"].get("attributes", {})
    ]
    # type -> where its tags are: an object, like the CloudFormation side, so that a
    # policy looks a type up instead of scanning a list.
    taggable = (set(types) - NOT_RESOURCE_TAGS) | {"aws_autoscaling_group"}
    return {t: ("tag" if t == "aws_autoscaling_group" else "tags") for t in sorted(taggable)}


def main():
    version, cfn = cloudformation(pathlib.Path(sys.argv[1]))
    tf = terraform(pathlib.Path(sys.argv[2]))
    doc = {
        "source": {
            "cloudformation": f"resource provider schemas (us-east-1) shipped with cfn-lint {version}, plus SAM types with Tags",
            "terraform": f"hashicorp/aws {sys.argv[3] if len(sys.argv) > 3 else ''} provider schema: resource types with a `tags` attribute, plus aws_autoscaling_group (`tag` blocks), minus S3 objects (object tagging is not resource tagging)".replace("  ", " "),
            "generator": "scripts/gen-taggable.py",
        },
        "cloudformation": cfn,
        "terraform": tf,
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
