"""Groups: the kaffeklubber of a network."""
