package io.hvx.storage.nbd;

import io.hvx.storage.block.BlockDevice;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Exports from a fixed set of open devices, shared by all connections (the devices stay open). */
public final class MapExports implements NbdExports {
    private final Map<String, Export> exports = new ConcurrentHashMap<>();

    public MapExports add(String name, BlockDevice device, boolean readOnly) {
        exports.put(name, new Export(device, readOnly || device.readOnly(), null, true));
        return this;
    }

    public void remove(String name) {
        exports.remove(name);
    }

    @Override
    public List<String> names() {
        return exports.keySet().stream().sorted().toList();
    }

    @Override
    public Export open(String name) {
        return exports.get(name);
    }
}
