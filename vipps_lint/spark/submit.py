"""The file to give spark-submit (or a Databricks spark_python_task): the vipps-lint command line.

    spark-submit --master yarn "$(python -c 'import vipps_lint.spark.submit as m; print(m.__file__)')" \\
        check --engine spark s3a://gateway-logs/2026/11/28/ --format json -o report.json

`--engine spark` then uses the session spark-submit configured (master, executors, archives).
"""

from vipps_lint.cli import main

if __name__ == "__main__":
    main(prog_name="vipps-lint")
