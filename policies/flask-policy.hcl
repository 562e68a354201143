# Flask application of the Flask/MongoDB/Redis stack.
# Reads the three paths under secret/app/ it needs, listed one by one rather
# than with a glob, so a new path under secret/app/ is not readable by default.

path "secret/data/app/flask" {
  capabilities = ["read"]
}

path "secret/data/app/mongodb" {
  capabilities = ["read"]
}

path "secret/data/app/redis" {
  capabilities = ["read"]
}
