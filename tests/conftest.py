pytest_plugins = ["tests.fixtures_temporal", "tests.fixtures_db"]
