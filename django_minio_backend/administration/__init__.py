"""Work on whole deployments: which storages use which buckets, bucket initialisation."""
