//! The PostgreSQL test support itself (tests/pg_support): a real server that keeps committed
//! rows across a stop and a start, refuses connections while stopped, and hands out
//! databases of their own.

mod pg_support;

use pg_support::PgServer;

#[test]
fn a_committed_row_survives_a_stop_and_a_start_and_a_stopped_server_refuses_connections() {
    let server = PgServer::start();
    let port = server.port();
    assert_eq!(
        server.url("spool"),
        format!("postgres://postgres@127.0.0.1:{port}/spool")
    );
    assert_eq!(server.psql("postgres", "SHOW fsync"), "on\n");
    assert_eq!(server.psql("postgres", "SHOW server_encoding"), "UTF8\n");

    server.psql(
        "postgres",
        "CREATE TABLE queue (id bigint PRIMARY KEY, subject text NOT NULL);\n\
         INSERT INTO queue VALUES (1, 'Quarterly report');",
    );
    assert_eq!(
        server.psql("postgres", "SELECT id, subject FROM queue"),
        "1|Quarterly report\n"
    );

    server.stop();
    let refused = server.try_psql("postgres", "SELECT 1");
    assert!(
        refused.is_err(),
        "psql connected to a stopped server: {refused:?}"
    );

    server.start_again();
    assert_eq!(server.port(), port);
    assert_eq!(
        server.psql("postgres", "SELECT id, subject FROM queue"),
        "1|Quarterly report\n"
    );
}

#[test]
fn fresh_databases_are_distinct_and_empty() {
    let server = PgServer::shared();
    assert!(
        std::ptr::eq(server, PgServer::shared()),
        "one shared server per test binary"
    );
    let first = server.fresh_database("fresh databases");
    let second = server.fresh_database("fresh databases");
    assert_ne!(first, second);
    let prefix = format!("postgres://postgres@127.0.0.1:{}/", server.port());
    let name = |url: &str| url.strip_prefix(&prefix).unwrap().to_string();
    let (first, second) = (name(&first), name(&second));
    assert!(first.starts_with("fresh_databases_"), "{first}");

    server.psql(
        &first,
        "CREATE TABLE only_here (n int); INSERT INTO only_here VALUES (7);",
    );
    assert_eq!(server.psql(&first, "SELECT n FROM only_here"), "7\n");
    let missing = server.try_psql(&second, "SELECT n FROM only_here");
    assert!(
        missing.as_ref().is_err_and(|e| e.contains("only_here")),
        "the second database sees the first one's table: {missing:?}"
    );
    assert_eq!(
        server.psql(&first, "SELECT current_database()"),
        format!("{first}\n")
    );
    assert_eq!(
        server.psql(&second, "SELECT current_database()"),
        format!("{second}\n")
    );
}
