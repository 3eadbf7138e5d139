"""The Logs Insights language: lexer, parser, AST, printer, function registry, analysis."""
