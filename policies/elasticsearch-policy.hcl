# Elasticsearch (logging stack).
# Reads the `elastic` superuser password, and the Kibana settings because
# the Elasticsearch setup job sets the `kibana_system` user's password.

path "secret/data/elasticsearch" {
  capabilities = ["read"]
}

path "secret/data/kibana" {
  capabilities = ["read"]
}
