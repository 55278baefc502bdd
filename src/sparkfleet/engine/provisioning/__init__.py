"""Node provisioning: which NodeClaims host the pending pods, at what price, and what to do when EC2 has
no capacity. Pure: the clock, ids and every fact come in as inputs."""
