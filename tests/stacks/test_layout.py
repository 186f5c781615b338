"""The moto backend is test support: the installed package never imports boto3 or moto on the
way to an offline plan."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from estate.cloud.settings import read_stack_config
from estate.paths import PROJECT_ROOT
from tests.fixtures import FIXTURE_PROJECT

PLAN_WITHOUT_AWS_LIBRARIES = """
import sys
from estate.cli.main import main
code = main(["plan", "--env", "dev", "--format", "json", "--project-dir", sys.argv[1]])
loaded = sorted(m for m in ("boto3", "botocore", "moto") if m in sys.modules)
sys.stderr.write(f"exit={code} loaded={loaded}\\n")
"""


def test_estate_plan_imports_neither_boto3_nor_moto() -> None:
    done = subprocess.run([sys.executable, "-c", PLAN_WITHOUT_AWS_LIBRARIES, str(FIXTURE_PROJECT)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert "exit=0 loaded=[]" in done.stderr, done.stderr[-2000:]


def test_no_module_of_the_package_imports_moto() -> None:
    package = Path(PROJECT_ROOT / "src" / "estate")
    offenders = [str(p.relative_to(package)) for p in package.rglob("*.py")
                 if "import moto" in p.read_text() or "from moto" in p.read_text()]
    assert offenders == []


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_every_stack_tags_every_resource_with_a_data_classification(env: str) -> None:
    # the provider's default tags reach every taggable resource the stack declares; instances
    # launched by the fleets need the launch templates' tag_specifications as well
    config = read_stack_config(PROJECT_ROOT, env)
    tags = json.loads(config["aws:defaultTags"])["tags"]
    assert tags["data-classification"] in ("OFFICIAL", "OFFICIAL-SENSITIVE")
    assert tags["environment"] == env
