"""Decide households with layak on Apache Spark, losing nothing.

Reads a household file (CSV with a header, or Parquet), dedupes household ids
(a layak worker sees one partition, so duplicate ids are found here, before
the stage), then runs `layak assess - --stage --input-format arrow --format
arrow` once per partition through `mapInArrow` and writes two Parquet
datasets: OUTPUT/decisions and OUTPUT/rejects.

Every input row ends in exactly one of them. Each partition's subprocess must
give back one record per record it was given, in order (checked by index);
on any mismatch, or a nonzero exit, the task raises, so Spark retries it and
the job fails rather than write a partial result. (Never use Spark's bare
`rdd.pipe` for this: it silently drops rows when the child dies.)

Run locally (the binary is shipped to the executors like --files does):

    python layak_spark.py --input households.csv --output out --layak ./layak

On a cluster:

    spark-submit --files /path/to/layak layak_spark.py \
        --input s3a://bucket/households.parquet --output s3a://bucket/decided

Extra arguments for layak (a policy shipped with --files, renames, columns)
go after `--`; a file shipped with --files is named by its base name:

    spark-submit --files layak,my-policy.toml layak_spark.py --input in.csv \
        --output out -- --policy my-policy.toml --rename hh/size=members
"""

import argparse
import itertools
import os
import stat
import subprocess
import sys
import threading

import pyarrow as pa
from pyspark import SparkFiles
from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

ORDER = "_order"
CORRUPT = "_corrupt_record"
REJECT_COLUMNS = ["column", "value", "code", "reason"]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--input", required=True, help="CSV (with a header) or .parquet")
    p.add_argument("--output", required=True, help="folder for decisions/ and rejects/")
    p.add_argument("--layak", help="the layak binary to ship (else: shipped with --files)")
    p.add_argument("--layak-name", default="layak", help="its name among --files")
    p.add_argument("--partitions", type=int, default=0, help="stage partitions (0: as read)")
    p.add_argument("--id-column", default="household_id")
    p.add_argument("--threads", type=int, default=1, help="layak threads per task")
    p.add_argument("--master", help="e.g. local[8] (default: spark-submit's)")
    p.add_argument("layak_args", nargs="*", help="after --: more layak assess arguments")
    return p.parse_args(argv)


def ship(binary):
    """The path of a file shipped with --files (or SparkContext.addFile), executable."""
    path = SparkFiles.get(binary)
    mode = os.stat(path).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def shipped_args(args):
    """layak's own arguments: files shipped with --files are found by name."""
    out = []
    for a in args:
        if a.startswith("-") or os.path.sep in a:
            out.append(a)
            continue
        try:
            local = SparkFiles.get(a)
            out.append(local if os.path.exists(local) else a)
        except Exception:  # noqa: BLE001 - not a shipped file: as typed
            out.append(a)
    return out


def stage_command(name, threads, extra):
    return [ship(name), "assess", "-", "--stage", "--input-format", "arrow",
            "--format", "arrow", "--threads", str(threads), "--quiet"] + shipped_args(extra)


def output_schema(name, threads, extra, arrow_schema):
    """The Arrow schema layak writes for input of `arrow_schema`: its answer
    to an empty stream (the schema message comes before any row)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, arrow_schema):
        pass
    done = subprocess.run(stage_command(name, threads, extra), input=sink.getvalue().to_pybytes(),
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError("layak refused the input's columns: "
                           + done.stderr.decode("utf-8", "replace"))
    return pa.ipc.open_stream(done.stdout).schema


def make_stage(name, threads, extra):
    """The function mapInArrow runs on each partition."""

    def stage(batches):
        batches = iter(batches)
        first = next(batches, None)
        if first is None:
            return
        proc = subprocess.Popen(stage_command(name, threads, extra), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        orders = []  # each fed batch's _order column, in order
        fed = [0]
        problems = []
        errors = []

        def feed():
            try:
                with pa.ipc.new_stream(proc.stdin, first.schema) as writer:
                    for b in itertools.chain([first], batches):
                        orders.append(b.column(b.schema.get_field_index(ORDER)))
                        fed[0] += b.num_rows
                        writer.write_batch(b)
            except BaseException as e:  # noqa: BLE001 - reported below
                problems.append(f"feeding layak failed: {e!r}")
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        def drain():
            errors.append(proc.stderr.read())

        feeder = threading.Thread(target=feed, daemon=True)
        drainer = threading.Thread(target=drain, daemon=True)
        feeder.start()
        drainer.start()
        written = 0
        try:
            for out in pa.ipc.open_stream(proc.stdout):
                index = out.column(out.schema.get_field_index("index"))
                expected = pa.array(range(written, written + out.num_rows), pa.int64())
                if not index.equals(expected):
                    raise RuntimeError(
                        f"layak's records are out of step with its input after {written} records")
                order = pa.chunked_array(list(orders), pa.int64()).take(index)
                written += out.num_rows
                yield pa.RecordBatch.from_arrays(
                    out.columns + [order.combine_chunks()],
                    schema=out.schema.append(pa.field(ORDER, pa.int64())))
        finally:
            feeder.join()
            code = proc.wait()
            drainer.join()
        stderr = b"".join(e for e in errors if e).decode("utf-8", "replace")
        if problems or code != 0 or written != fed[0]:
            # Raising fails the task: Spark retries it, then fails the job.
            raise RuntimeError(
                f"layak stage: {fed[0]} rows in, {written} records out, exit {code}; "
                + "; ".join(problems) + (f"; stderr: {stderr[-2000:]}" if stderr else ""))

    return stage


def read_input(spark, path, id_column):
    if path.endswith(".parquet") or os.path.isdir(path):
        df = spark.read.parquet(path).withColumn(CORRUPT, F.lit(None).cast("string"))
    else:
        # Every column as text (layak reads the cells as the CSV holds them);
        # a row with too few or too many fields is kept in _corrupt_record.
        header = spark.read.option("header", True).option("escape", '"').csv(path).columns
        schema = T.StructType([T.StructField(c, T.StringType()) for c in header]
                              + [T.StructField(CORRUPT, T.StringType())])
        df = (spark.read.option("header", True).option("escape", '"')
              .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT)
              .option("enforceSchema", False)
              .schema(schema).csv(path))
    # The input's order: partitions of a file source follow the file, so this
    # numbers the rows in file order (with gaps between partitions).
    df = df.withColumn(ORDER, F.monotonically_increasing_id()).cache()
    if id_column not in df.columns:
        raise SystemExit(f"the input has no column {id_column!r}")
    return df


def main(argv):
    args = parse_args(argv)
    builder = SparkSession.builder.appName("layak")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    if args.layak:
        spark.sparkContext.addFile(args.layak)
        args.layak_name = os.path.basename(args.layak)

    df = read_input(spark, args.input, args.id_column)
    id_col = F.trim(F.col(args.id_column))
    # Rows with the wrong number of fields: rejects like assess's field_count
    # (they claim no id).
    broken = df.filter(F.col(CORRUPT).isNotNull())
    good = df.filter(F.col(CORRUPT).isNull()).drop(CORRUPT)
    # Duplicate ids: the first row of an id (in input order) goes on; later ones
    # are duplicate_id rejects, as `layak assess` on the whole file reports them.
    ranked = good.withColumn(
        "_seen", F.when(id_col.isNull() | (id_col == ""), F.lit(1)).otherwise(
            F.row_number().over(Window.partitionBy(id_col).orderBy(ORDER))))
    dups = ranked.filter(F.col("_seen") > 1)
    todo = ranked.filter(F.col("_seen") == 1).drop("_seen")
    if args.partitions:
        todo = todo.repartition(args.partitions)

    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema
    arrow_in = to_arrow_schema(todo.schema)
    out_schema = output_schema(args.layak_name, args.threads, args.layak_args, arrow_in)
    spark_schema = from_arrow_schema(out_schema.append(pa.field(ORDER, pa.int64())))
    staged = todo.mapInArrow(make_stage(args.layak_name, args.threads, args.layak_args),
                             spark_schema).cache()

    decisions = staged.filter(F.col("kind") == "decision").drop("kind", "index", *REJECT_COLUMNS)
    job_rejects = broken.select(
        F.col(ORDER), F.col(args.id_column).alias("household_id"),
        F.lit("").alias("column"), F.lit("").alias("value"), F.lit("field_count").alias("code"),
        F.lit("the row has another number of fields than the header").alias("reason")).unionByName(
        dups.select(
            F.col(ORDER), id_col.alias("household_id"), F.lit(args.id_column).alias("column"),
            id_col.alias("value"), F.lit("duplicate_id").alias("code"),
            F.lit("the household id appeared on an earlier row").alias("reason")))
    rejects = staged.filter(F.col("kind") == "reject").select(
        ORDER, "household_id", *REJECT_COLUMNS).unionByName(job_rejects)

    decisions.write.mode("overwrite").parquet(os.path.join(args.output, "decisions"))
    rejects.write.mode("overwrite").parquet(os.path.join(args.output, "rejects"))
    rows_in = df.count()
    decided = spark.read.parquet(os.path.join(args.output, "decisions")).count()
    rejected = spark.read.parquet(os.path.join(args.output, "rejects")).count()
    print(f"layak on Spark: {rows_in} rows read = {decided} decided + {rejected} rejected",
          file=sys.stderr)
    if rows_in != decided + rejected:
        raise SystemExit("rows were lost: read != decided + rejected")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
