package io.jenkins.plugins.cd4ml.tune;

import io.jenkins.plugins.cd4ml.config.ConfigLoader;
import io.jenkins.plugins.cd4ml.config.ProjectConfig;
import io.jenkins.plugins.cd4ml.testing.TestProjects;
import java.nio.file.Path;
import java.util.Map;

/**
 * Projects whose {@code train.py} computes a known function of its hyperparameters (no ML library,
 * so a trial costs one Python start): {@code score = 1 - (x - 0.3)^2 - ((n - 7) / 10)^2}, minus
 * 0.1 for {@code kind: b}; {@code kind: bad} fails. It prints the score {@code steps} times (rising to
 * the final value, {@code pause} seconds apart; with {@code report: metrics_json} it appends them to
 * {@code metrics.json} as JSON lines instead), and leaves marker files under {@code $MARKERS}. With
 * {@code term_delay} it takes that many seconds to exit on SIGTERM, as a script saving a checkpoint does.
 */
public final class ObjectiveProjects {

    static final String TRAIN_PY = """
            import json, os, pathlib, sys, time
            hp = json.loads(os.environ["SM_HPS"])
            x = float(hp.get("x", 0.0))
            n = int(hp.get("n", 1))
            kind = hp.get("kind", "a")
            steps = int(hp.get("steps", 1))
            pause = float(hp.get("pause", 0))
            run = os.environ["CD4ML_RUN_ID"]
            markers = pathlib.Path(os.environ.get("MARKERS") or os.environ["SM_OUTPUT_DATA_DIR"])
            (markers / "pids").mkdir(parents=True, exist_ok=True)
            (markers / "pids" / run).write_text(str(os.getpid()))
            if hp.get("term_delay"):
                import signal
                def slow_exit(signum, frame):
                    time.sleep(float(hp["term_delay"]))
                    (markers / ("terminated-" + run)).touch()
                    sys.exit(143)
                signal.signal(signal.SIGTERM, slow_exit)
            if hp.get("barrier"):
                running = markers / "running"
                running.mkdir(exist_ok=True)
                (running / run).touch()
                deadline = time.time() + 30
                seen = 0
                while time.time() < deadline:
                    seen = max(seen, len(list(running.iterdir())))
                    if seen >= int(hp["barrier"]):
                        break
                    time.sleep(0.05)
                time.sleep(0.3)
                seen = max(seen, len(list(running.iterdir())))
                (markers / ("seen-" + run)).write_text(str(seen))
                (running / run).unlink()
            if kind == "bad":
                pathlib.Path(os.environ["SM_OUTPUT_DIR"], "failure").write_text("kind bad cannot train")
                sys.exit(1)
            score = 1 - (x - 0.3) ** 2 - ((n - 7) / 10) ** 2 - (0.1 if kind == "b" else 0)
            for i in range(steps):
                value = round(score * (i + 1) / steps, 6)
                if hp.get("report") == "metrics_json":
                    with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "metrics.json"), "a") as f:
                        f.write(json.dumps({"step": i + 1, "score": value}) + "\\n")
                    print(f"epoch {i + 1} done", flush=True)
                else:
                    print(f"step {i + 1} score={value:.6f}", flush=True)
                time.sleep(pause)
            pathlib.Path(os.environ["SM_MODEL_DIR"], "model.txt").write_text(f"{x} {n} {kind}")
            (markers / ("finished-" + run)).touch()
            """;

    private ObjectiveProjects() {
    }

    /** A project in {@code dir} with this {@code tune} section (YAML, indented under {@code tune:}). */
    public static Path project(Path dir, String hyperparameters, String tune) {
        TestProjects.write(dir.resolve("config.yaml"), """
                version: 1
                project:
                  name: objective
                model:
                  target: y
                train:
                  channels: {train: data/d.csv}
                  hyperparameters: {%s}
                  metrics:
                    - {name: score, regex: 'score=([-0-9.]+)'}
                tune:
                %s""".formatted(hyperparameters, tune.indent(2)));
        TestProjects.write(dir.resolve("features.yaml"), "features:\n  - {name: x, type: float}\n");
        TestProjects.write(dir.resolve("data/d.csv"), "x,y\n1,0\n");
        TestProjects.write(dir.resolve("train.py"), TRAIN_PY);
        return dir;
    }

    /** The project {@link #project} writes in {@code tmp/p}, loaded: the usual start of a tune test. */
    public static ProjectConfig loaded(Path tmp, String hyperparameters, String tune) {
        return load(project(tmp.resolve("p"), hyperparameters, tune));
    }

    public static ProjectConfig load(Path dir) {
        return ConfigLoader.forProject(dir).withEnvironment(Map.of()).load();
    }

    /** The environment trials run with: PATH, and where the script leaves its markers. */
    public static Map<String, String> environment(Path markers) {
        return Map.of("PATH", System.getenv("PATH"), "MARKERS", markers.toString());
    }
}
