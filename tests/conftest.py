# pytester must be enabled in an initial conftest: pytest refuses ``pytest_plugins`` in a nested one
# (tests/plugin/conftest.py), which it loads only during collection.
pytest_plugins = ["pytester"]
