package org.apache.spark.examples;

/** SparkPi under the name of Spark's Java example: the same estimate in a session named "JavaSparkPi". */
public final class JavaSparkPi {
    private JavaSparkPi() {
    }

    public static void main(String[] args) {
        SparkPi.run("JavaSparkPi", args);
    }
}
