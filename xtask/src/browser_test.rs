//! `cargo xtask browser-test`: opens `report.html` files from the filesystem
//! in headless Chromium (installed with apt-get when missing) and checks them
//! through the DevTools protocol: no console error or uncaught exception, no
//! request beyond the page itself, every run in the table, the table sorted
//! by a header click and filtered by a box, a brush on the parallel
//! coordinates selecting the same runs in the plot and the table, a live page
//! reloading itself and a finished one not; then a screenshot of each page.
//!
//! Without `--report`, it makes its own two reports first with the debug
//! `mlp` on the MNIST files: a small random search with successive halving,
//! and runs of the study's published configurations (its Tables 5 and 6).

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// Options of `cargo xtask browser-test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Report folders (holding report.html) to check instead of the two made here.
    #[arg(long = "report", value_name = "DIR")]
    reports: Vec<PathBuf>,
    /// Where each page's screenshot goes, as report-FOLDER.png.
    #[arg(long, value_name = "DIR", default_value = "target/browser-test")]
    screenshots: PathBuf,
}

/// The search the test makes its own report of: halving stops most trials.
const SEARCH: &str = r#"name = "browser-test search"
validation = 1000

[[search]]
method = "random"
trials = 12
seed = 7
case = "relu-sigmoid"
train_samples = 4000
epochs = 4
eval_every = 1
hidden = { choice = [16, 32, 64] }
lr = { log_uniform = [0.002, 0.3] }
l2 = { choice = [0.0, 0.0001] }

[search.halving]
min_epochs = 1
reduction = 2
"#;

impl Default for Args {
    fn default() -> Args {
        Args {
            reports: Vec::new(),
            screenshots: PathBuf::from("target/browser-test"),
        }
    }
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let root = crate::workspace_root();
    let chromium = ensure_chromium()?;
    let work = tempfile::tempdir()?;
    let reports = if args.reports.is_empty() {
        make_reports(&root, work.path())?
    } else {
        args.reports.clone()
    };
    let shots = root.join(&args.screenshots);
    std::fs::create_dir_all(&shots)
        .with_context(|| format!("cannot create {}", shots.display()))?;
    let mut browser = Browser::launch(&chromium, &work.path().join("profile"))?;
    for (i, dir) in reports.iter().enumerate() {
        let page = dir
            .join("report.html")
            .canonicalize()
            .with_context(|| format!("{} holds no report.html", dir.display()))?;
        let name = dir
            .file_name()
            .map_or_else(|| "report".into(), |n| n.to_string_lossy().to_string());
        let shot = shots.join(format!("report-{name}.png"));
        check_page(&mut browser.cdp, &page, &shot)
            .with_context(|| format!("{} in Chromium", page.display()))?;
        eprintln!(
            "browser test: {} passed; screenshot {}",
            page.display(),
            shot.display()
        );
        if i == 0 {
            check_reloads(&mut browser.cdp, &page, work.path())?;
            eprintln!("browser test: a live page reloads itself, a finished one does not");
        }
    }
    Ok(())
}

/// Chromium's program, installed with apt-get when none is found.
fn ensure_chromium() -> Result<String> {
    let names = ["chromium", "chromium-browser", "google-chrome"];
    if let Some(found) = names.iter().find(|n| crate::slurm_test::found(n)) {
        return Ok(found.to_string());
    }
    eprintln!("installing chromium ...");
    crate::slurm_test::run(Command::new("apt-get").arg("update").arg("-q"))?;
    crate::slurm_test::run(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
    .context("cannot install chromium: install it (or Google Chrome) and rerun")?;
    Ok("chromium".into())
}

/// Makes the search's and the study's reports under `work` with the debug `mlp`.
fn make_reports(root: &Path, work: &Path) -> Result<Vec<PathBuf>> {
    let data = root.join("data").join("mnist");
    crate::download::ensure(&data).context("cannot get the MNIST data")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .current_dir(root)
        .args(["build", "-q", "-p", "mlp-cli"])
        .status()
        .context("cannot run cargo build")?;
    if !built.success() {
        bail!("cargo build -p mlp-cli failed");
    }
    let mlp = root.join("target").join("debug").join("mlp");
    let config = work.join("search.toml");
    std::fs::write(&config, SEARCH)?;
    let search = work.join("search");
    let study = work.join("study");
    let sweep = |extra: &[&str], out: &Path| -> Result<()> {
        crate::slurm_test::run(
            Command::new(&mlp)
                .arg("sweep")
                .args(extra)
                .arg("--data")
                .arg(&data)
                .arg("--out")
                .arg(out)
                .arg("--quiet"),
        )
        .map(|_| ())
    };
    sweep(&["--config", &config.to_string_lossy()], &search)?;
    // Table 5's rows and Table 6's, with their neighbours.
    sweep(
        &[
            "--case",
            "relu-sigmoid",
            "--hidden",
            "1000",
            "--lr",
            "0.01",
            "--train-samples",
            "10,50,100",
            "--l2",
            "0,0.01,0.001",
            "--epochs",
            "50",
        ],
        &study,
    )?;
    Ok(vec![search, study])
}

/// A headless Chromium and the DevTools connection to it.
struct Browser {
    child: Child,
    cdp: Cdp,
}

impl Browser {
    fn launch(program: &str, profile: &Path) -> Result<Browser> {
        let mut child = Command::new(program)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                // Containers often have a small /dev/shm.
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--no-first-run",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {program}"))?;
        let stderr = child.stderr.take().context("no stderr")?;
        let (tx, rx) = std::sync::mpsc::channel();
        // Chromium says where DevTools listens on stderr; the rest is drained.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("ws://") {
                    let _ = tx.send(line[at..].trim().to_string());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| anyhow!("{program} did not open DevTools within 60 s"));
        let url = match url {
            Ok(u) => u,
            Err(e) => {
                let _ = child.kill();
                return Err(e);
            }
        };
        Ok(Browser {
            child,
            cdp: Cdp::connect(&url)?,
        })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A DevTools protocol connection: commands and the events that came meanwhile.
struct Cdp {
    ws: WebSocket<TcpStream>,
    next: u64,
    events: Vec<Value>,
}

impl Cdp {
    fn connect(url: &str) -> Result<Cdp> {
        let host = url
            .strip_prefix("ws://")
            .and_then(|r| r.split('/').next())
            .with_context(|| format!("odd DevTools address {url}"))?;
        let stream = TcpStream::connect(host)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let (ws, _) = tungstenite::client(url, stream)
            .map_err(|e| anyhow!("cannot open DevTools at {url}: {e}"))?;
        // Short reads from here on, so waiting for events can keep time.
        ws.get_ref()
            .set_read_timeout(Some(Duration::from_millis(200)))?;
        Ok(Cdp {
            ws,
            next: 0,
            events: Vec::new(),
        })
    }

    /// The next message, or `None` when none came within the read timeout.
    fn read(&mut self) -> Result<Option<Value>> {
        match self.ws.read() {
            Ok(Message::Text(t)) => Ok(Some(serde_json::from_str(t.as_str())?)),
            Ok(_) => Ok(None),
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(anyhow!("DevTools connection: {e}")),
        }
    }

    /// Sends `method` (to `session`, else to the browser) and returns its result.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<Value> {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::text(msg.to_string()))
            .map_err(|e| anyhow!("DevTools connection: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let Some(v) = self.read()? else { continue };
            if v["id"] == json!(id) {
                if let Some(err) = v.get("error") {
                    bail!("{method} failed: {err}");
                }
                return Ok(v["result"].clone());
            }
            if v.get("method").is_some() {
                self.events.push(v);
            }
        }
        bail!("{method} had no answer within 60 s")
    }

    /// Reads events for `wait`; returns how many of them are `method` in `session`.
    fn collect(&mut self, session: &str, method: &str, wait: Duration) -> Result<usize> {
        let from = self.events.len();
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if let Some(v) = self.read()? {
                if v.get("method").is_some() {
                    self.events.push(v);
                }
            }
        }
        Ok(self.events[from..]
            .iter()
            .filter(|e| e["method"] == method && e["sessionId"] == session)
            .count())
    }

    /// Waits until an event `method` of `session` arrives after the first `from` events.
    fn wait_for(&mut self, session: &str, method: &str, from: usize, wait: Duration) -> Result<()> {
        let deadline = Instant::now() + wait;
        loop {
            if self.events[from..]
                .iter()
                .any(|e| e["method"] == method && e["sessionId"] == session)
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("no {method} within {} s", wait.as_secs());
            }
            if let Some(v) = self.read()? {
                if v.get("method").is_some() {
                    self.events.push(v);
                }
            }
        }
    }

    /// `expression`'s value in the page of `session`.
    fn eval(&mut self, session: &str, expression: &str) -> Result<Value> {
        let r = self.call(
            Some(session),
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        )?;
        if let Some(e) = r.get("exceptionDetails") {
            bail!("{expression} threw {e}");
        }
        Ok(r["result"]["value"].clone())
    }
}

/// `path` (absolute) as a `file://` address, each byte outside the plain
/// ones percent-encoded as a browser writes it.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// A new tab with every event domain the checks read, at 1400 x 1000.
fn open_tab(cdp: &mut Cdp) -> Result<(String, String)> {
    let target = cdp.call(None, "Target.createTarget", json!({"url": "about:blank"}))?["targetId"]
        .as_str()
        .context("no target id")?
        .to_string();
    let session = cdp.call(
        None,
        "Target.attachToTarget",
        json!({"targetId": target, "flatten": true}),
    )?["sessionId"]
        .as_str()
        .context("no session id")?
        .to_string();
    for domain in ["Page", "Runtime", "Log", "Network"] {
        cdp.call(Some(&session), &format!("{domain}.enable"), json!({}))?;
    }
    metrics(cdp, &session, 1000)?;
    Ok((target, session))
}

fn metrics(cdp: &mut Cdp, session: &str, height: u64) -> Result<()> {
    cdp.call(
        Some(session),
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 1400, "height": height, "deviceScaleFactor": 1, "mobile": false}),
    )?;
    Ok(())
}

/// Opens `url` in the tab and waits for its load event.
fn navigate(cdp: &mut Cdp, session: &str, url: &str) -> Result<usize> {
    let from = cdp.events.len();
    cdp.call(Some(session), "Page.navigate", json!({"url": url}))?;
    cdp.wait_for(
        session,
        "Page.loadEventFired",
        from,
        Duration::from_secs(30),
    )?;
    Ok(from)
}

/// What went wrong in the page of `session` among the events from `from`:
/// errors on the console, uncaught exceptions, requests other than `url`.
fn problems(cdp: &Cdp, session: &str, from: usize, url: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in cdp.events[from..]
        .iter()
        .filter(|e| e["sessionId"] == session)
    {
        let p = &e["params"];
        match e["method"].as_str().unwrap_or("") {
            "Runtime.exceptionThrown" => out.push(format!("exception: {}", p["exceptionDetails"])),
            "Runtime.consoleAPICalled"
                if matches!(p["type"].as_str(), Some("error" | "assert" | "warning")) =>
            {
                out.push(format!("console {}: {}", p["type"], p["args"]))
            }
            "Log.entryAdded"
                if matches!(p["entry"]["level"].as_str(), Some("error" | "warning")) =>
            {
                out.push(format!("log: {}", p["entry"]["text"]))
            }
            "Network.requestWillBeSent" => {
                let asked = p["request"]["url"].as_str().unwrap_or("");
                if asked != url && !asked.starts_with("data:") {
                    out.push(format!("request for {asked}"));
                }
            }
            _ => {}
        }
    }
    out
}

/// The values of the column `col` of the table's shown rows, as numbers.
fn column(cdp: &mut Cdp, session: &str, col: &str) -> Result<Vec<f64>> {
    let v = cdp.eval(
        session,
        &format!(
            "(() => {{ const i = [...document.querySelectorAll('#runs tr:first-child th')].findIndex(t => t.dataset.col === '{col}');
               return [...document.querySelectorAll('#runs tbody tr')].map(r => parseFloat(r.children[i].textContent)); }})()"
        ),
    )?;
    serde_json::from_value(v).context("column values")
}

fn rows(cdp: &mut Cdp, session: &str) -> Result<usize> {
    let v = cdp.eval(
        session,
        "document.querySelectorAll('#runs tbody tr').length",
    )?;
    v.as_u64().map(|n| n as usize).context("row count")
}

fn sorted(values: &[f64], ascending: bool) -> bool {
    values.windows(2).all(|w| {
        if ascending {
            w[0] <= w[1]
        } else {
            w[0] >= w[1]
        }
    })
}

/// Drags the mouse along the page from `from` to `to`.
fn drag(cdp: &mut Cdp, session: &str, from: (f64, f64), to: (f64, f64)) -> Result<()> {
    let steps = [
        ("mousePressed", from),
        ("mouseMoved", to),
        ("mouseReleased", to),
    ];
    for (kind, (x, y)) in steps {
        cdp.call(
            Some(session),
            "Input.dispatchMouseEvent",
            json!({"type": kind, "x": x, "y": y, "button": "left", "buttons": if kind == "mouseReleased" { 0 } else { 1 }, "clickCount": 1}),
        )?;
    }
    Ok(())
}

/// Every check of one page, then its screenshot into `shot`.
fn check_page(cdp: &mut Cdp, page: &Path, shot: &Path) -> Result<()> {
    let url = file_url(page);
    let (target, session) = open_tab(cdp)?;
    let from = navigate(cdp, &session, &url)?;
    let runs = cdp
        .eval(
            &session,
            "JSON.parse(document.getElementById('report-data').textContent).runs.length",
        )?
        .as_u64()
        .context("run count")? as usize;
    if runs < 2 {
        bail!("the page holds {runs} runs: the checks need two or more");
    }
    let shown = rows(cdp, &session)?;
    if shown != runs {
        bail!("the table shows {shown} rows of {runs} runs");
    }
    // Sorting: a click on a header sorts by it, a second click reverses it.
    let click = "document.querySelector('#runs th[data-col=\"test\"]').click()";
    cdp.eval(&session, click)?;
    let up = column(cdp, &session, "test")?;
    cdp.eval(&session, click)?;
    let down = column(cdp, &session, "test")?;
    if up.len() != runs || !sorted(&up, true) || !sorted(&down, false) || up == down {
        bail!("a click on `test error` did not sort the table: {up:?} then {down:?}");
    }
    // Filtering: the rank box keeps the runs it matches.
    cdp.eval(
        &session,
        "(() => { const i = document.querySelector('input[aria-label=\"filter rank\"]'); i.value = '<=2'; i.dispatchEvent(new Event('input')); })()",
    )?;
    let ranks = column(cdp, &session, "rank")?;
    let mut sorted_ranks = ranks.clone();
    sorted_ranks.sort_by(f64::total_cmp);
    if sorted_ranks != [1.0, 2.0] {
        bail!("the filter `<=2` on rank showed ranks {ranks:?}");
    }
    cdp.eval(
        &session,
        "(() => { const i = document.querySelector('input[aria-label=\"filter rank\"]'); i.value = ''; i.dispatchEvent(new Event('input')); })()",
    )?;
    // Brushing: the upper half of the error axis selects the same runs in the plot and the table.
    let rect = cdp.eval(
        &session,
        "(() => { const h = document.querySelector('#parallel .hit[data-axis=\"err\"]'); h.scrollIntoView({block: 'center'});
                  const b = h.getBoundingClientRect(); return [b.x + b.width / 2, b.y, b.height]; })()",
    )?;
    let [x, top, height]: [f64; 3] = serde_json::from_value(rect).context("brush axis")?;
    drag(cdp, &session, (x, top + 2.0), (x, top + height * 0.5))?;
    let brushed = rows(cdp, &session)?;
    let lit = cdp
        .eval(
            &session,
            "document.querySelectorAll('#parallel polyline.run:not(.out)').length",
        )?
        .as_u64()
        .unwrap_or(0) as usize;
    if !(brushed < runs && brushed == lit) {
        bail!("a brush on the error axis left {brushed} of {runs} rows and {lit} lines lit");
    }
    drag(cdp, &session, (x, top + 10.0), (x, top + 10.0))?;
    if rows(cdp, &session)? != runs {
        bail!("a click on the brushed axis did not clear its selection");
    }
    // Back to the ranking, at the top, for the screenshot.
    cdp.eval(
        &session,
        "(() => { const th = document.querySelector('#runs th[data-col=\"rank\"]');
                  while (th.getAttribute('aria-sort') !== 'ascending') th.click();
                  window.scrollTo(0, 0); })()",
    )?;
    // Whatever the checks did, nothing may have been fetched or gone wrong.
    let found = problems(cdp, &session, from, &url);
    if !found.is_empty() {
        bail!("{}", found.join("; "));
    }
    screenshot(cdp, &session, shot)?;
    cdp.call(None, "Target.closeTarget", json!({"targetId": target}))?;
    Ok(())
}

/// Screenshots stop this far down a long page (the study's), in CSS pixels.
const MAX_SHOT_HEIGHT: f64 = 4200.0;

/// Writes the page, from its top to at most [`MAX_SHOT_HEIGHT`], as a PNG to `shot`.
fn screenshot(cdp: &mut Cdp, session: &str, shot: &Path) -> Result<()> {
    let layout = cdp.call(Some(session), "Page.getLayoutMetrics", json!({}))?;
    let height = layout["cssContentSize"]["height"]
        .as_f64()
        .unwrap_or(1000.0)
        .clamp(600.0, MAX_SHOT_HEIGHT);
    metrics(cdp, session, height as u64)?;
    let png = cdp.call(
        Some(session),
        "Page.captureScreenshot",
        json!({"format": "png", "captureBeyondViewport": true,
               "clip": {"x": 0, "y": 0, "width": 1400, "height": height, "scale": 1}}),
    )?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png["data"].as_str().context("no screenshot data")?)?;
    std::fs::write(shot, bytes).with_context(|| format!("cannot write {}", shot.display()))
}

/// A copy of `page` marked live reloads itself within its 5 s; the page as
/// written (finished) does not.
fn check_reloads(cdp: &mut Cdp, page: &Path, work: &Path) -> Result<()> {
    let text = std::fs::read_to_string(page)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let written_at = text
        .find("\"written\":")
        .context("the page has no written time")?;
    let end = written_at + text[written_at..].find(',').context("odd data")?;
    let live = format!(
        "{}\"written\":{now},{}",
        &text[..written_at],
        &text[end + 1..]
    )
    .replacen(
        "\"live\":null",
        "\"live\":{\"done\":3,\"running\":2,\"left\":7}",
        1,
    );
    let copy = work.join("live.html");
    std::fs::write(&copy, live)?;
    for (path, reloads) in [(copy.as_path(), true), (page, false)] {
        let (target, session) = open_tab(cdp)?;
        navigate(cdp, &session, &file_url(path))?;
        let status = cdp.eval(&session, "document.getElementById('status').textContent")?;
        let says = status.as_str().unwrap_or("");
        if reloads != says.starts_with("Sweep running: 3 runs done, 2 running, 7 left") {
            bail!("{} says {says:?}", path.display());
        }
        let loads = cdp.collect(&session, "Page.loadEventFired", Duration::from_secs(7))?;
        if (loads > 0) != reloads {
            bail!("{}: {loads} reloads in 7 s", path.display());
        }
        cdp.call(None, "Target.closeTarget", json!({"targetId": target}))?;
    }
    Ok(())
}
