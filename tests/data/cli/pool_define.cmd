pool-define pool-dir.xml; pool-list --all
