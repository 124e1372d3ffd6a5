detach-interface test bridge
