//! E-mail codes through a real SMTP server on 127.0.0.1 (Debian's python3-aiosmtpd, storing
//! each message it receives in a Maildir that the tests read back).

use crate::support;

use leptos_2fa::testing::FakeClock;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::Duration;
use support::{START, TestApp, spawn_app_with, visible_text};

/// The Python that has `aiosmtpd` (Debian's, not another one first on PATH).
fn python() -> String {
    std::env::var("SMTP_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into())
}

pub(crate) struct SmtpServer {
    port: u16,
    maildir: PathBuf,
    process: Child,
}

impl SmtpServer {
    pub(crate) async fn start(folder: &Path) -> SmtpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // aiosmtpd creates the Maildir itself, and only when it does not exist yet.
        let maildir = folder.join("maildir");
        let process = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .spawn()
            .expect("python3 with aiosmtpd (apt install python3-aiosmtpd)");
        // Owned from here, so that even a failed start stops the process.
        let server = SmtpServer { port, maildir, process };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the SMTP server did not start on port {port}");
    }

    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received so far, raw.
    fn received(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else { return Vec::new() };
        entries.filter_map(|entry| std::fs::read(entry.ok()?.path()).ok()).collect()
    }

    pub(crate) async fn wait_for_message(&self) -> Vec<u8> {
        for _ in 0..100 {
            if let Some(message) = self.received().pop() {
                return message;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no e-mail arrived");
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.process.kill().ok();
        self.process.wait().ok();
    }
}

pub(crate) async fn portal_with_smtp(url: String) -> TestApp {
    spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), FakeClock::at(START), |settings| {
        settings.smtp_url = Some(url.into());
        settings.smtp_from = "Acme Security <security@acme.example>".into();
        settings.service_name = "Acme".into();
    })
    .await
}

async fn ask_for_an_e_mail_code(app: &TestApp, user: &str, address: &str) -> String {
    assert_eq!(app.begin(user).await, "/methods");
    assert_eq!(app.post_form("/api/choose_method", &[("channel", "email")]).await, "/email");
    app.post_form("/api/register_email", &[("email", address)]).await
}

pub(crate) fn six_digits(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_e_mail_code_arrives_as_text_and_html_and_verifies() {
    let folder = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(folder.path()).await;
    let app = portal_with_smtp(smtp.url()).await;
    assert_eq!(ask_for_an_e_mail_code(&app, "ada", "ada@example.com").await, "/verify");

    let raw = smtp.wait_for_message().await;
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(message.subject(), Some("Your Acme verification code"));
    assert_eq!(message.from().unwrap().first().unwrap().address(), Some("security@acme.example"));
    assert_eq!(message.to().unwrap().first().unwrap().address(), Some("ada@example.com"));
    let text = message.body_text(0).unwrap().into_owned();
    let html = message.body_html(0).unwrap().into_owned();
    let code = six_digits(&text).expect("a code in the text part");
    assert!(html.contains(&code) && html.contains("<html lang=\"en\">"), "{html}");
    assert!(!app.state.application.outbox.as_ref().unwrap().entries().iter().any(|e| e.channel.as_str() == "email"), "e-mail went to the console");

    let page = visible_text(&app.page_text("/verify").await);
    assert!(page.contains("Sent. Check your inbox"), "{page}");
    assert_eq!(app.post_form("/api/check_code", &[("code", &code)]).await, "/success");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_french_user_gets_a_french_e_mail() {
    let folder = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(folder.path()).await;
    let app = portal_with_smtp(smtp.url()).await;
    app.client.post(app.url("/locale")).form(&[("locale", "fr")]).send().await.unwrap();
    assert_eq!(ask_for_an_e_mail_code(&app, "amelie", "amelie@example.fr").await, "/verify");
    let raw = smtp.wait_for_message().await;
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(message.subject(), Some("Votre code de vérification Acme"));
    assert!(message.body_text(0).unwrap().contains("Si vous n’avez pas demandé ce code"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_server_that_is_down_gets_a_try_again_message() {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = portal_with_smtp(format!("smtp://127.0.0.1:{closed_port}")).await;
    assert_eq!(ask_for_an_e_mail_code(&app, "grace", "grace@example.com").await, "/email");
    let html = app.page_text("/email").await;
    let page = visible_text(&html);
    assert!(page.contains("We could not send your code"), "{page}");
    assert!(html.contains(r#"value="grace@example.com""#), "the address typed is kept in its field: {html}");
}
