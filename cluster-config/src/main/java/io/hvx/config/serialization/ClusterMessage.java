package io.hvx.config.serialization;

/**
 * Marks a message that crosses between nodes; Pekko serializes it with {@link KryoSerializer}, and its
 * class must have an id under {@code hvx.serialization.kryo.classes}.
 */
public interface ClusterMessage {}
