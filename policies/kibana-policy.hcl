# Kibana (logging stack): logs in to Elasticsearch as `kibana_system`.

path "secret/data/kibana" {
  capabilities = ["read"]
}
