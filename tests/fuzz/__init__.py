"""The fuzz suite: hypothesis over every parser of outside input and the config loader."""
