"""p4c's STF packet tests, run against OvS.p4 pipelines."""
