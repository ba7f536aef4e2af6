"""In-process card emulators: they answer APDUs exactly as the cards do (T=0 chaining
included). drivers/pcsc connects them to the real pcscd through vpcd, and unit tests call
``process`` directly."""
