package io.hvx.config.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ImmutableCollectionsSerializers;
import com.esotericsoftware.kryo.util.Pool;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.JSerializer;

/**
 * Pekko serializer for {@link ClusterMessage}s: Kryo with registration required, so only classes with
 * an id in config can cross the wire, and the payload carries a small id instead of a class name.
 */
public final class KryoSerializer extends JSerializer {
  /** Pekko's serializer id for hvx; part of the wire format. */
  public static final int IDENTIFIER = 0x68767801;

  private static final int ACTOR_REF_ID = 30;

  private final ExtendedActorSystem system;
  private final KryoRegistrations registrations;
  private volatile ActorRefResolver resolver;
  private final Pool<Kryo> pool;

  public KryoSerializer(ExtendedActorSystem system) {
    this.system = system;
    this.registrations = KryoRegistrations.from(system.settings().config(), system.dynamicAccess().classLoader());
    this.pool =
        new Pool<>(true, false, 32) {
          @Override
          protected Kryo create() {
            return newKryo();
          }
        };
  }

  private ActorRefResolver resolver() {
    ActorRefResolver current = resolver;
    if (current == null) {
      current = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = current;
    }
    return current;
  }

  private Kryo newKryo() {
    Kryo kryo = new Kryo();
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    kryo.setClassLoader(system.dynamicAccess().classLoader());
    kryo.register(byte[].class, 20);
    kryo.register(int[].class, 21);
    kryo.register(long[].class, 22);
    kryo.register(String[].class, 23);
    kryo.register(ArrayList.class, 24);
    kryo.register(HashMap.class, 25);
    kryo.register(LinkedHashMap.class, 26);
    kryo.register(HashSet.class, 27);
    kryo.register(TreeMap.class, 28);
    kryo.register(java.time.Instant.class, 29);
    TypedActorRefSerializer refs = new TypedActorRefSerializer(this::resolver);
    kryo.addDefaultSerializer(ActorRef.class, refs);
    kryo.register(actorRefAdapterClass(), refs, ACTOR_REF_ID);
    // List.of, Map.of and Set.of produce JDK-private classes; Kryo gives them the free ids below 20
    // in a fixed order, the same on every node.
    ImmutableCollectionsSerializers.registerSerializers(kryo);
    for (Map.Entry<Integer, Class<?>> entry : registrations.classesById().entrySet()) {
      kryo.register(entry.getValue(), entry.getKey());
    }
    return kryo;
  }

  private Class<?> actorRefAdapterClass() {
    try {
      return Class.forName("org.apache.pekko.actor.typed.internal.adapter.ActorRefAdapter");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("Pekko's typed ActorRefAdapter is missing: mixed Pekko versions?", e);
    }
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public boolean includeManifest() {
    return false;
  }

  @Override
  public byte[] toBinary(Object message) {
    Kryo kryo = pool.obtain();
    try (Output output = new Output(256, -1)) {
      kryo.writeClassAndObject(output, message);
      return output.toBytes();
    } catch (KryoException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cannot serialize " + message.getClass().getName() + " for the cluster: " + e.getMessage()
              + " (register every class it contains under hvx.serialization.kryo.classes)", e);
    } finally {
      pool.free(kryo);
    }
  }

  @Override
  public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
    Kryo kryo = pool.obtain();
    try (Input input = new Input(bytes)) {
      return kryo.readClassAndObject(input);
    } catch (KryoException | IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException(new NotSerializableException("malformed cluster message: " + e.getMessage()));
    } finally {
      pool.free(kryo);
    }
  }
}
