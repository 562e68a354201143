# The Flask application: reads its own secret and the credentials of the
# MongoDB and Redis it connects to, path by path (no glob, so a new path under
# secret/app/ is not readable by default). KV v2: reads go to secret/data/...
path "secret/data/app/flask" {
  capabilities = ["read"]
}

path "secret/data/app/mongodb" {
  capabilities = ["read"]
}

path "secret/data/app/redis" {
  capabilities = ["read"]
}
