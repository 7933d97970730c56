//! A synthetic, labelled case history for the care pack (`cargo xtask synth`, the backtest and
//! engine benchmarks, the JsonLogic anchor): seeded and
//! reproducible (ChaCha8), so backtest benchmarks and demos run on the same cases everywhere.
//! About 7 % of cases are fraud or abuse; their facts lean towards the signals the pack knows
//! (new accounts, high baskets, refunds to new instruments, repeated claims, credential changes,
//! pressure in the message) while legitimate cases mostly do not — with overlap both ways, and
//! with facts missing at random, as in a real history.

use crate::value::time::format_datetime;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::Path;

const FRAUD_SHARE: f64 = 0.07;
/// Each optional fact is present with this probability.
const PRESENT: f64 = 0.88;

const LEGIT_MESSAGES: [&str; 10] = [
    "Hello, my parcel has not arrived yet. Could you check where it is?",
    "Hallo, meine Bestellung ist noch nicht angekommen. Können Sie nachsehen?",
    "The jacket is too small, I would like to return it.",
    "Bonjour, je n'ai pas encore reçu ma commande, merci de vérifier.",
    "The zip on the dress was broken when it arrived, photo attached.",
    "Dzień dobry, paczka nie dotarła. Proszę o sprawdzenie.",
    "Ik heb mijn bestelling nog niet ontvangen, kunt u kijken?",
    "Can I change the size before you ship it?",
    "Please send me a copy of my personal data (GDPR access request).",
    "Hola, el pedido llegó dañado, ¿qué puedo hacer?",
];
const FRAUD_MESSAGES: [&str; 8] = [
    "My parcel never arrived. I need the refund RIGHT NOW, this is urgent. Send it to my new card please.",
    "I lost my phone and can't access my email, refund to this other card immediately.",
    "Das Paket ist nie angekommen, ich will sofort mein Geld, sonst gehe ich zum Anwalt.",
    "Nothing was in the box. Refund now or I will file a chargeback with my bank.",
    "Colis jamais reçu, remboursez immédiatement sinon mon avocat vous contactera.",
    "Item not received again. Urgent, send it to my new address.",
    "I never got it, this is the third time. I want a refund right now.",
    "Paczka nie dotarła, natychmiast zwrot pieniędzy.",
];
const CASE_TYPES: [&str; 8] =
    ["item_not_received", "missing_item", "damaged", "return", "refund", "privacy_request", "complaint", "account"];
const CHANNELS: [&str; 5] = ["email", "phone", "chat", "web_form", "social_media"];
const PAYMENT: [&str; 5] = ["card", "paypal", "invoice", "sepa_direct_debit", "gift_card"];

fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// One case as flat JSON (dotted fact names), with `id` and `label`.
fn case(rng: &mut ChaCha8Rng, index: u64) -> Value {
    let fraud = rng.random_bool(FRAUD_SHARE);
    let now = 1_767_225_600 + rng.random_range(0..330 * 86_400_i64);
    let mut case = Map::new();
    let mut put = |key: &str, value: Value, rng: &mut ChaCha8Rng| {
        if rng.random_bool(PRESENT) {
            case.insert(key.to_owned(), value);
        }
    };
    let case_type = if fraud {
        pick(rng, &["item_not_received", "item_not_received", "missing_item", "refund", "account", "return"])
    } else {
        pick(rng, &CASE_TYPES)
    };
    let lean =
        |rng: &mut ChaCha8Rng, fraud_p: f64, legit_p: f64| rng.random_bool(if fraud { fraud_p } else { legit_p });
    put("now", json!(format_datetime(now)), rng);
    put("case.type", json!(case_type), rng);
    put("case.channel", json!(pick(rng, &CHANNELS)), rng);
    put("case.received_at", json!(format_datetime(now - rng.random_range(60..7200))), rng);
    put(
        "case.contacts_7d",
        json!(if lean(rng, 0.4, 0.1) { rng.random_range(3..8) } else { rng.random_range(0..3) }),
        rng,
    );
    let message = if lean(rng, 0.7, 0.03) { pick(rng, &FRAUD_MESSAGES) } else { pick(rng, &LEGIT_MESSAGES) };
    put("customer.message", json!(message), rng);
    let age = if lean(rng, 0.6, 0.08) { rng.random_range(0..30) } else { rng.random_range(30..3000) };
    put("account.age_days", json!(age), rng);
    if lean(rng, 0.35, 0.03) {
        put("account.last_credential_change", json!(format_datetime(now - rng.random_range(3600..5 * 86_400))), rng);
    } else {
        put("account.last_credential_change", json!(format_datetime(now - rng.random_range(30..900) * 86_400)), rng);
    }
    put("account.new_device", json!(lean(rng, 0.5, 0.1)), rng);
    put("account.failed_verifications_24h", json!(if lean(rng, 0.25, 0.02) { rng.random_range(2..6) } else { 0 }), rng);
    put("identity.verified", json!(!lean(rng, 0.7, 0.2)), rng);
    let median = f64::from(rng.random_range(3000..12_000)) / 100.0;
    let total = if lean(rng, 0.55, 0.05) {
        median * f64::from(rng.random_range(4..9))
    } else {
        median * rng.random_range(0.5..1.6)
    };
    put("order.total_eur", json!((total * 100.0).round() / 100.0), rng);
    put("order.median_basket_eur", json!(median), rng);
    put("order.payment_method", json!(pick(rng, &PAYMENT)), rng);
    if case_type == "item_not_received" || case_type == "missing_item" {
        put("order.delivered_at", json!(format_datetime(now - rng.random_range(1800..10 * 86_400))), rng);
        put("order.proof_of_delivery", json!(lean(rng, 0.6, 0.3)), rng);
        put("order.dispatch_weight_matches", json!(!lean(rng, 0.05, 0.02) || fraud), rng);
    }
    put("order.delivery_address_new", json!(lean(rng, 0.4, 0.1)), rng);
    put("order.pickup_point", json!(lean(rng, 0.3, 0.15)), rng);
    put("order.address_changed_after_dispatch", json!(lean(rng, 0.15, 0.01)), rng);
    put(
        "claims.last_12_months",
        json!(if lean(rng, 0.5, 0.05) { rng.random_range(2..6) } else { rng.random_range(0..2) }),
        rng,
    );
    put("refund.to_new_instrument", json!(lean(rng, 0.45, 0.02)), rng);
    put("refund.requested_eur", json!((total * 100.0).round() / 100.0), rng);
    put("payment.prior_chargebacks", json!(if lean(rng, 0.2, 0.01) { rng.random_range(1..4) } else { 0 }), rng);
    put(
        "returns.rate_12m",
        json!(if lean(rng, 0.2, 0.05) { rng.random_range(0.7..0.98) } else { rng.random_range(0.0..0.5) }),
        rng,
    );
    put("returns.orders_12m", json!(rng.random_range(1..40)), rng);
    put("public.followers", json!(rng.random_range(0..2000)), rng);
    case.insert("id".to_owned(), json!(format!("S-{index:07}")));
    case.insert("label".to_owned(), json!(fraud));
    Value::Object(case)
}

/// `count` cases, seeded with `seed` (the same seed gives the same cases on every machine).
#[must_use]
pub fn cases(count: u64, seed: u64) -> Vec<Value> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (1..=count).map(|index| case(&mut rng, index)).collect()
}

/// Writes `count` cases as NDJSON, seeded with `seed`.
///
/// # Errors
/// The file cannot be written.
pub fn write(out: &Path, count: u64, seed: u64) -> Result<(), String> {
    let file = std::fs::File::create(out).map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for index in 1..=count {
        let line = case(&mut rng, index).to_string();
        writeln!(writer, "{line}").map_err(|error| format!("cannot write {}: {error}", out.display()))?;
    }
    writer.flush().map_err(|error| format!("cannot write {}: {error}", out.display()))
}
