//! Unit tests of the rule language: parser, type checker and three-valued evaluation.
