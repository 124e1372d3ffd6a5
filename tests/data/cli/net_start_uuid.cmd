net-destroy default; net-start DD8FE884-6C02-601E-7551-CCA97DF1C5DF; net-list
