//! What a session takes from the environment (`trust_env`): the CA bundle of
//! `REQUESTS_CA_BUNDLE` and `CURL_CA_BUNDLE`, and the proxies of `*_proxy`
//! and `no_proxy`.
//!
//! The environment belongs to the whole process, so each case runs in a child
//! process of this test binary with the variables it needs; the parent starts
//! the servers and checks what each child saw. Run with `cargo test --test environment`.

use std::process::Command;

use sessio::Session;
use sessio_tests::{ProxyOptions, Server, TempDir, TestCa, TestProxy, respond};

/// Set in a child: which way to build the session.
const CHILD: &str = "SESSIO_TEST_ENV_CHILD";
const HTTPS_URL: &str = "SESSIO_TEST_HTTPS_URL";
const HTTP_URL: &str = "SESSIO_TEST_HTTP_URL";
const OWN_BUNDLE: &str = "SESSIO_TEST_OWN_BUNDLE";
const OWN_PROXY: &str = "SESSIO_TEST_OWN_PROXY";
const ECHO_URL: &str = "SESSIO_TEST_ECHO_URL";

fn main() {
    // Multi-threaded: the parent's servers answer while it waits for a child.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    match std::env::var(CHILD) {
        Ok(mode) => println!("{}", runtime.block_on(child(&mode))),
        Err(_) => runtime.block_on(parent()),
    }
}

/// Sends one https and one http request and says how each went (or, in
/// mode `merged`, what `merge_environment_settings` says of them).
async fn child(mode: &str) -> String {
    let builder = Session::builder();
    let session = match mode {
        "default" | "merged" | "netrc" | "netrc-userinfo" => Session::new(),
        "netrc-no-trust-env" => builder.trust_env(false).build().expect("session"),
        // A live session: the environment switched off, or on after a build
        // without it (read then), on a clone (every clone sees it).
        "live-trust-env-off" | "netrc-live-off" => {
            let session = Session::new();
            let clone = session.clone();
            clone.set_trust_env(false);
            drop(clone);
            session
        }
        "live-trust-env-on" | "netrc-live-on" => {
            let session = builder.trust_env(false).build().expect("session");
            let clone = session.clone();
            clone.set_trust_env(true);
            drop(clone);
            assert!(session.trust_env());
            session
        }
        "netrc-own-auth" => builder
            .auth(sessio::Auth::basic("own", "auth"))
            .build()
            .expect("session"),
        "no-trust-env" => builder.trust_env(false).build().expect("session"),
        "verify-false" => builder.verify(false).build().expect("session"),
        "own-bundle" => builder
            .ca_bundle(std::env::var(OWN_BUNDLE).expect("bundle"))
            .build()
            .expect("session"),
        "own-proxy" => builder
            .proxy("http", &std::env::var(OWN_PROXY).expect("proxy"))
            .build()
            .expect("session"),
        other => panic!("unknown mode {other}"),
    };
    let https_url = std::env::var(HTTPS_URL).expect("url");
    if mode.starts_with("netrc") {
        return netrc_child(&session).await;
    }
    if mode == "merged" {
        let merged = session
            .merge_environment_settings(&https_url)
            .expect("merged");
        let http_url = std::env::var(HTTP_URL).expect("url");
        let plain = session
            .merge_environment_settings(&http_url)
            .expect("merged");
        return format!(
            "https=merged({:?} {:?}) http={:?}",
            merged.proxy(),
            merged.ca_bundle(),
            plain.proxy()
        );
    }
    let https = outcome(session.get(https_url).send().await);
    let http = outcome(
        session
            .get(std::env::var(HTTP_URL).expect("url"))
            .send()
            .await,
    );
    format!("https={https} http={http}")
}

/// The `Authorization` the echo server saw: on 127.0.0.1, and after a
/// redirect from there to localhost (another host).
async fn netrc_child(session: &Session) -> String {
    let echo = std::env::var(ECHO_URL).expect("echo url");
    let seen = |r: sessio::Response| async move {
        let json: serde_json::Value = r.json().await.expect("echo JSON");
        json["headers"]["authorization"]
            .as_str()
            .unwrap_or("none")
            .to_owned()
    };
    // `http://localhost:@127.0.0.1:port/`: the host is 127.0.0.1, whatever
    // the user name says (requests once looked up the user name's entry)
    let first_url = match std::env::var(CHILD).as_deref() {
        Ok("netrc-userinfo") => echo.replace("http://", "http://localhost:@"),
        _ => echo.clone(),
    };
    let first = seen(
        session
            .get(format!("{first_url}/first"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    let port = echo.rsplit(':').next().expect("port");
    let hop_url = format!("{echo}/redirect-to?url=http://localhost:{port}/hop");
    let hop = seen(session.get(hop_url).send().await.expect("send")).await;
    format!("https=netrc({first} {hop}) http=200")
}

fn outcome(result: sessio::Result<sessio::Response>) -> String {
    match result {
        Ok(r) => format!("{}", r.status().as_u16()),
        Err(err) if err.is_tls() => "tls".to_owned(),
        Err(err) if err.is_builder() => format!("builder({})", err.report()),
        Err(err) => format!("other({})", err.report()),
    }
}

struct Case {
    name: &'static str,
    mode: &'static str,
    env: Vec<(&'static str, String)>,
    https: &'static str,
    /// Whether the environment's proxy carried the http request.
    proxied: bool,
}

async fn parent() {
    let ca = TestCa::new();
    let other = TestCa::new();
    let https = Server::start_tls(&ca, |_req| async { respond(200, &[], "secure") }).await;
    let http = Server::start(|_req| async { respond(200, &[], "plain") }).await;
    let echo = Server::echo().await;
    let files = TempDir::new("environment");
    let bundle = files.write("ca.pem", ca.ca_pem()).display().to_string();
    let bundle_for_merged = bundle.clone();
    let wrong = files
        .write("other.pem", other.ca_pem())
        .display()
        .to_string();
    let missing = files.path().join("missing.pem").display().to_string();

    let cases = [
        Case {
            name: "without a bundle in the environment, the test CA is unknown",
            mode: "default",
            env: vec![],
            https: "tls",
            proxied: false,
        },
        Case {
            name: "REQUESTS_CA_BUNDLE is trusted",
            mode: "default",
            env: vec![("REQUESTS_CA_BUNDLE", bundle.clone())],
            https: "200",
            proxied: false,
        },
        Case {
            name: "CURL_CA_BUNDLE is trusted",
            mode: "default",
            env: vec![("CURL_CA_BUNDLE", bundle.clone())],
            https: "200",
            proxied: false,
        },
        Case {
            name: "REQUESTS_CA_BUNDLE comes before CURL_CA_BUNDLE",
            mode: "default",
            env: vec![
                ("REQUESTS_CA_BUNDLE", wrong.clone()),
                ("CURL_CA_BUNDLE", bundle.clone()),
            ],
            https: "tls",
            proxied: false,
        },
        Case {
            name: "an empty REQUESTS_CA_BUNDLE counts as unset",
            mode: "default",
            env: vec![
                ("REQUESTS_CA_BUNDLE", String::new()),
                ("CURL_CA_BUNDLE", bundle.clone()),
            ],
            https: "200",
            proxied: false,
        },
        Case {
            name: "trust_env(false) ignores the environment",
            mode: "no-trust-env",
            env: vec![("REQUESTS_CA_BUNDLE", bundle.clone())],
            https: "tls",
            proxied: false,
        },
        Case {
            name: "a session's own bundle wins over the environment's",
            mode: "own-bundle",
            env: vec![("REQUESTS_CA_BUNDLE", wrong), (OWN_BUNDLE, bundle)],
            https: "200",
            proxied: false,
        },
        Case {
            name: "verify(false) ignores the environment's bundle",
            mode: "verify-false",
            env: vec![("REQUESTS_CA_BUNDLE", missing.clone())],
            https: "200",
            proxied: false,
        },
        Case {
            name: "a missing bundle fails https requests only, with the reason",
            mode: "default",
            env: vec![("REQUESTS_CA_BUNDLE", missing)],
            https: "builder(",
            proxied: false,
        },
    ];
    let proxy = TestProxy::http(ProxyOptions::default()).await;
    let own_proxy = TestProxy::http(ProxyOptions::default()).await;
    let env_proxy = proxy.url("http");
    let proxy_case = |name, mode, env: Vec<(&'static str, String)>, proxied| Case {
        name,
        mode,
        env,
        https: "tls",
        proxied,
    };
    let proxy_cases = [
        proxy_case(
            "http_proxy is used",
            "default",
            vec![("http_proxy", env_proxy.clone())],
            true,
        ),
        proxy_case(
            "HTTP_PROXY is used",
            "default",
            vec![("HTTP_PROXY", env_proxy.clone())],
            true,
        ),
        proxy_case(
            "all_proxy is used",
            "default",
            vec![("all_proxy", env_proxy.clone())],
            true,
        ),
        proxy_case(
            "sec-22: HTTP_PROXY is ignored when REQUEST_METHOD is set (httpoxy)",
            "default",
            vec![
                ("REQUEST_METHOD", "GET".to_owned()),
                ("HTTP_PROXY", env_proxy.clone()),
            ],
            false,
        ),
        proxy_case(
            "http_proxy is used when REQUEST_METHOD is set",
            "default",
            vec![
                ("REQUEST_METHOD", "GET".to_owned()),
                ("http_proxy", env_proxy.clone()),
            ],
            true,
        ),
        proxy_case(
            "NO_PROXY sends a host directly",
            "default",
            vec![
                ("http_proxy", env_proxy.clone()),
                ("NO_PROXY", "127.0.0.1".to_owned()),
            ],
            false,
        ),
        proxy_case(
            "trust_env(false) ignores http_proxy",
            "no-trust-env",
            vec![("http_proxy", env_proxy.clone())],
            false,
        ),
        proxy_case(
            "a session's own proxy wins over the environment's",
            "own-proxy",
            vec![
                ("http_proxy", env_proxy),
                (OWN_PROXY, own_proxy.url("http")),
            ],
            false,
        ),
    ];
    let live_env = || {
        vec![
            ("REQUESTS_CA_BUNDLE", bundle_for_merged.clone()),
            ("http_proxy", proxy.url("http")),
        ]
    };
    let live_cases = [
        Case {
            name: "set_trust_env(false) on a live session stops using the environment's bundle and proxy",
            mode: "live-trust-env-off",
            env: live_env(),
            https: "tls",
            proxied: false,
        },
        Case {
            name: "set_trust_env(true) after a build without it reads the environment then",
            mode: "live-trust-env-on",
            env: live_env(),
            https: "200",
            proxied: true,
        },
    ];
    let merged = Case {
        name: "merge_environment_settings shows the environment's proxy and bundle",
        mode: "merged",
        env: vec![
            ("https_proxy", "http://u:pw@127.0.0.1:3128".to_owned()),
            ("REQUESTS_CA_BUNDLE", bundle_for_merged.clone()),
        ],
        https: Box::leak(
            format!("merged(Some(\"http://u:***@127.0.0.1:3128\") Some({bundle_for_merged:?}))")
                .into_boxed_str(),
        ),
        proxied: false,
    };
    let netrc_file = |name: &str, text: &str| files.write(name, text).display().to_string();
    let machine = netrc_file(
        "machine.netrc",
        "machine 127.0.0.1 login alice password s3cret\n",
    );
    let default = netrc_file(
        "default.netrc",
        "# any host\ndefault login dee password pw\n",
    );
    let both = netrc_file(
        "both.netrc",
        "machine 127.0.0.1 login alice password s3cret\nmachine localhost login lou password pw2\n",
    );
    let hop_only = netrc_file(
        "hop-only.netrc",
        "machine localhost login lou password pw2\n",
    );
    let broken = netrc_file(
        "broken.netrc",
        "machine 127.0.0.1 login alice frobnicate x\n",
    );
    // base64 of alice:s3cret, dee:pw, lou:pw2, own:auth
    let (alice, dee, lou, own) = (
        "Basic YWxpY2U6czNjcmV0",
        "Basic ZGVlOnB3",
        "Basic bG91OnB3Mg==",
        "Basic b3duOmF1dGg=",
    );
    let netrc_case = |name, mode, file: String, first: &str, hop: &str| Case {
        name,
        mode,
        env: vec![("NETRC", file)],
        https: Box::leak(format!("netrc({first} {hop})").into_boxed_str()),
        proxied: false,
    };
    let netrc_cases = [
        netrc_case(
            "NETRC's machine entry is used for its host only",
            "netrc",
            machine.clone(),
            alice,
            "none",
        ),
        netrc_case(
            "sec-33: the netrc default entry is not used after a redirect to another host",
            "netrc",
            default,
            dee,
            "none",
        ),
        netrc_case(
            "netrc is looked up again for each hop's host",
            "netrc",
            both.clone(),
            alice,
            lou,
        ),
        netrc_case(
            "sec: http://localhost:@127.0.0.1/ is looked up as 127.0.0.1, never localhost",
            "netrc-userinfo",
            both,
            alice,
            lou,
        ),
        netrc_case(
            "a redirect to a host with a netrc entry gets it, though the first host had none",
            "netrc",
            hop_only,
            "none",
            lou,
        ),
        netrc_case(
            "trust_env(false) ignores netrc",
            "netrc-no-trust-env",
            machine.clone(),
            "none",
            "none",
        ),
        netrc_case(
            "set_trust_env(false) on a live session stops using netrc",
            "netrc-live-off",
            machine.clone(),
            "none",
            "none",
        ),
        netrc_case(
            "set_trust_env(true) after a build without it reads netrc then",
            "netrc-live-on",
            machine.clone(),
            alice,
            "none",
        ),
        netrc_case(
            "a session's own auth wins over netrc",
            "netrc-own-auth",
            machine,
            own,
            "none",
        ),
        netrc_case(
            "a netrc file that does not parse is ignored",
            "netrc",
            broken,
            "none",
            "none",
        ),
    ];
    let cases: Vec<Case> = cases
        .into_iter()
        .chain(proxy_cases)
        .chain(live_cases)
        .chain([merged])
        .chain(netrc_cases)
        .collect();

    let mut failed = Vec::new();
    for case in &cases {
        let connections = https.connections();
        let asked = proxy.seen().len();
        let out = run_child(case, &https.url("/"), &http.url("/"), &echo.url(""));
        let proxied = proxy.seen().len() > asked;
        let expected = format!("https={}", case.https);
        let http_expected = if case.mode == "merged" {
            " http=None"
        } else {
            " http=200"
        };
        let ok =
            out.starts_with(&expected) && out.ends_with(http_expected) && proxied == case.proxied;
        let ok = ok
            && (case.https != "builder(" || {
                out.contains("REQUESTS_CA_BUNDLE")
                    && out.contains("missing.pem")
                    && https.connections() == connections
            });
        println!(
            "{} ... {}: {out}",
            case.name,
            if ok { "ok" } else { "FAILED" }
        );
        if !ok {
            failed.push(case.name);
        }
    }
    assert!(failed.is_empty(), "failed: {failed:?}");
    assert_eq!(
        own_proxy.seen().len(),
        1,
        "the session's own proxy carried its request"
    );
    println!(
        "\ntest result: ok. {} environment cases passed",
        cases.len()
    );
}

/// Runs this binary again as a child with the case's environment only.
fn run_child(case: &Case, https: &str, http: &str, echo: &str) -> String {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE")
        .env(CHILD, case.mode)
        .env(HTTPS_URL, https)
        .env(HTTP_URL, http)
        .env(ECHO_URL, echo)
        .env_remove("NETRC")
        .env("HOME", "/nonexistent-home-for-sessio-tests");
    for (name, value) in &case.env {
        command.env(name, value);
    }
    let output = command.output().expect("run the child");
    assert!(
        output.status.success(),
        "{}: the child failed: {}",
        case.name,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}
