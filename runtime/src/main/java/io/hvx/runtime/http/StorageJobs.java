package io.hvx.runtime.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Long storage operations (pushes, commits) that run on the node after the request that started them has
 * been answered; a client follows one by id at {@code GET /hvx/storage/jobs/{id}}. The newest 256 are kept.
 */
final class StorageJobs {
  private static final int KEEP = 256;

  /** What a job runs: reports bytes done to progress and returns its result. */
  interface Work {
    Object run(AtomicLong progress) throws Exception;
  }

  /** A job's state as clients see it. */
  private static final class Job {
    final String id;
    final String kind;
    final String name;
    final long total;
    final AtomicLong done = new AtomicLong();
    volatile String state = "running";
    volatile Object result;
    volatile Map<String, Object> error;

    Job(String id, String kind, String name, long total) {
      this.id = id;
      this.kind = kind;
      this.name = name;
      this.total = total;
    }

    Map<String, Object> view() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("job", id);
      body.put("kind", kind);
      body.put("name", name);
      body.put("state", state);
      body.put("bytesDone", done.get());
      body.put("bytesTotal", total);
      if (result != null) {
        body.put("result", result);
      }
      if (error != null) {
        body.put("error", error);
      }
      return body;
    }
  }

  private final Map<String, Job> jobs = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Job> eldest) {
      return size() > KEEP;
    }
  };
  private final Executor executor;
  private final Function<Exception, Map<String, Object>> describe;

  /** describe turns a failure into the {error, message} body the routes would answer with. */
  StorageJobs(Executor executor, Function<Exception, Map<String, Object>> describe) {
    this.executor = executor;
    this.describe = describe;
  }

  /** Starts work in the background and returns its view (state running). */
  Map<String, Object> start(String kind, String name, long total, Work work) {
    Job job = new Job(UUID.randomUUID().toString(), kind, name, total);
    synchronized (jobs) {
      jobs.put(job.id, job);
    }
    executor.execute(() -> {
      try {
        job.result = work.run(job.done);
        job.state = "done";
      } catch (Exception e) {
        job.error = describe.apply(e);
        job.state = "failed";
      }
    });
    return job.view();
  }

  /** The job's view, or null when there is no such job (or it is too old). */
  Map<String, Object> view(String id) {
    synchronized (jobs) {
      Job job = jobs.get(id);
      return job == null ? null : job.view();
    }
  }
}
