"""Configuration the nameko way: one YAML file per service, `${VAR:default}` filled from the environment."""
import yaml
from nameko.cli.main import setup_yaml_parser

setup_yaml_parser()  # registers nameko's `${VAR:default}` resolver on yaml.SafeLoader


def load_config(path, **overrides):
    with open(path) as f:
        config = yaml.safe_load(f) or {}
    config.update(overrides)
    return config
