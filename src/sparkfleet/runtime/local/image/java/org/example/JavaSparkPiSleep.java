package org.example;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The benchmark kit's long-running driver: estimates pi, then holds its session (and so its executors)
 * for a while before stopping. Usage: JavaSparkPiSleep [slices (default 2)] [seconds to sleep (default 0)].
 */
public final class JavaSparkPiSleep {
    private JavaSparkPiSleep() {
    }

    public static void main(String[] args) {
        int slices = args.length > 0 ? number(args[0], "slices", 1) : 2;
        long seconds = args.length > 1 ? number(args[1], "seconds to sleep", 0) : 0;
        SparkSession spark = SparkSession.builder().appName("JavaSparkPiSleep").getOrCreate();
        try {
            System.out.println("Pi is roughly " + estimate(new JavaSparkContext(spark.sparkContext()), slices));
            if (seconds > 0) {
                System.out.println("Sleeping " + seconds + " seconds before stopping");
                Thread.sleep(seconds * 1000L);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            spark.stop();
        }
    }

    private static int number(String value, String what, int least) {
        try {
            int number = Integer.parseInt(value);
            if (number >= least) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + " must be a whole number of at least " + least + ", got: " + value);
    }

    private static double estimate(JavaSparkContext jsc, int slices) {
        long samples = Math.min(100_000L * slices, Integer.MAX_VALUE);
        List<Integer> parts = IntStream.range(0, slices).boxed().collect(Collectors.toList());
        long inside = jsc.parallelize(parts, slices)
                .map(part -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    long draws = samples / slices + (part < samples % slices ? 1 : 0);
                    long hits = 0;
                    for (long i = 0; i < draws; i++) {
                        double x = random.nextDouble(-1.0, 1.0);
                        double y = random.nextDouble(-1.0, 1.0);
                        if (x * x + y * y <= 1.0) {
                            hits++;
                        }
                    }
                    return hits;
                })
                .reduce(Long::sum);
        return 4.0 * inside / samples;
    }
}
