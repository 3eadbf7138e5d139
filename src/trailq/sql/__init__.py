"""The SQL compiler: the Logs Insights AST as one SQL query, for Athena (Trino) or DuckDB.

    compile_query(query, shape, time_range) -> CompiledQuery   (compiler.py)
    shapes.DuckDBFiles(files)                  the local files, read by DuckDB
    athena_table.AthenaTable(name)             AWS's CloudTrail table in Athena
"""

from trailq.sql.compiler import CompiledQuery, compile_query
from trailq.sql.expressions import NotCompilable

__all__ = ["CompiledQuery", "compile_query", "NotCompilable"]
