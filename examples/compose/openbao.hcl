# OpenBao server configuration for the Compose recipe, mounted read-only at
# /openbao/config/openbao.hcl. The image's entrypoint also passes
# -config=/openbao/config, so the server reads this file once from the
# directory and once by name; OpenBao ignores the duplicate (it logs a warning).

# Integrated storage (raft), single node, on the named volume openbao-data. The
# path is the image's /openbao/file: it exists and belongs to the openbao user,
# so a fresh named volume mounted there inherits that owner (a directory the
# image lacks would be created root-owned, and the server, which runs as
# openbao, could not write it). OpenBao 2.x has no "file" storage backend.
storage "raft" {
  path    = "/openbao/file"
  node_id = "openbao"
}

listener "tcp" {
  address = "0.0.0.0:8200"
  # Plain HTTP, for a laptop: every token, secret ID and secret value crosses
  # the Compose network in clear text. For anything real, put TLS in front
  # (set tls_cert_file and tls_key_file here, or terminate TLS in a proxy on
  # the same host) and give the clients VAULT_CACERT.
  tls_disable = true
}

api_addr     = "http://openbao:8200"
cluster_addr = "https://openbao:8201"

# Integrated storage memory-maps its database, which mlock would pin in RAM
# whole; OpenBao recommends disabling mlock with raft (so the container needs
# no IPC_LOCK capability; SKIP_SETCAP in docker-compose.yml skips granting it).
disable_mlock = true
