create devices.xml; domifaddr dk; domifaddr dk --interface testnet1 --full
