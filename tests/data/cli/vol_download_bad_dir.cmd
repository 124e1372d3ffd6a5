vol-create-as default-pool v1 1G; vol-download v1 /nonexistent/dl.bin --pool default-pool
