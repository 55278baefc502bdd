package org.apache.spark.examples;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Estimates pi by sampling points of the square [-1, 1]^2 and counting those inside the unit circle.
 * Usage: SparkPi [slices] (default 2); samples are 100000 per slice, at most Integer.MAX_VALUE.
 */
public final class SparkPi {
    private SparkPi() {
    }

    public static void main(String[] args) {
        run("Spark Pi", args);
    }

    /** Runs the estimate in a session named {@code appName} and prints it as Spark's SparkPi does. */
    static void run(String appName, String[] args) {
        int slices = slices(args);
        SparkSession spark = SparkSession.builder().appName(appName).getOrCreate();
        try {
            System.out.println("Pi is roughly " + estimate(new JavaSparkContext(spark.sparkContext()), slices));
        } finally {
            spark.stop();
        }
    }

    static int slices(String[] args) {
        if (args.length == 0) {
            return 2;
        }
        try {
            int slices = Integer.parseInt(args[0]);
            if (slices >= 1) {
                return slices;
            }
        } catch (NumberFormatException e) {
            // reported below with the usage
        }
        throw new IllegalArgumentException("slices must be a positive integer, got: " + args[0]);
    }

    /** Each slice draws its share of the samples; the driver only sums the hits. */
    public static double estimate(JavaSparkContext jsc, int slices) {
        long samples = Math.min(100_000L * slices, Integer.MAX_VALUE);
        List<Integer> parts = IntStream.range(0, slices).boxed().collect(Collectors.toList());
        long inside = jsc.parallelize(parts, slices)
                .map(part -> hits(samples / slices + (part < samples % slices ? 1 : 0)))
                .reduce(Long::sum);
        return 4.0 * inside / samples;
    }

    private static long hits(long draws) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long inside = 0;
        for (long i = 0; i < draws; i++) {
            double x = random.nextDouble(-1.0, 1.0);
            double y = random.nextDouble(-1.0, 1.0);
            if (x * x + y * y <= 1.0) {
                inside++;
            }
        }
        return inside;
    }
}
