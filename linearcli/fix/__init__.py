"""check --fix: findings whose fix is mechanical, made as edits to the spec and verified."""
