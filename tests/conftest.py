pytest_plugins = ["tests.fixtures_temporal"]
