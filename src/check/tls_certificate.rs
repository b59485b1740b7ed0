//! `tls_certificate`: facts from the TLS handshake of an https target: the chain is trusted
//! and names the host, the certificate is not expired or about to expire, the protocol is
//! at least TLS 1.2. With `--insecure` trust problems are reported as relaxed, not hidden.

use super::{Applicability, CheckCx, CheckError, CheckKind, CompileCx, ParamError};
use crate::finding::{Finding, Location};
use serde::Deserialize;

/// What is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    /// Chain trusted and valid for the host name.
    Trust,
    /// Not expired, and not expiring within `min_days_left`.
    Expiry,
    /// Protocol at least TLS 1.2.
    Protocol,
}

/// Parameters of `tls_certificate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The aspect this rule reports.
    pub aspect: Aspect,
    /// With `expiry`: days of validity that must remain.
    #[serde(default = "thirty")]
    pub min_days_left: i64,
}

fn thirty() -> i64 {
    30
}

/// Compiled `tls_certificate`.
pub struct TlsCertificate {
    aspect: Aspect,
    min_days_left: i64,
}

impl CheckKind for TlsCertificate {
    type Params = Params;
    const LIVE: bool = true;

    fn compile(p: Params, _cx: &mut CompileCx<'_>) -> Result<Self, ParamError> {
        if p.min_days_left < 0 {
            return Err(ParamError::at("min_days_left", "must not be negative"));
        }
        Ok(TlsCertificate {
            aspect: p.aspect,
            min_days_left: p.min_days_left,
        })
    }

    fn evaluate(&self, cx: &mut CheckCx<'_>) -> Result<Applicability, CheckError> {
        let target = cx.target()?;
        let Some(tls) = &target.tls else {
            return Ok(Applicability::NotApplicable(
                "not an https target".to_owned(),
            ));
        };
        let facts = tls
            .as_ref()
            .map_err(|e| CheckError(format!("{}: {}", target.base, e.0)))?;
        let at = Location::Http {
            method: "TLS".to_owned(),
            url: target.base.clone(),
        };
        let message = match self.aspect {
            Aspect::Trust => facts.problem.as_ref().map(|p| {
                if target.insecure {
                    format!("certificate does not verify ({p}); trust was relaxed with --insecure")
                } else {
                    format!("certificate does not verify: {p}")
                }
            }),
            Aspect::Expiry if facts.days_left < 0 => {
                Some(format!("certificate expired on {}", facts.not_after))
            }
            Aspect::Expiry if facts.days_left < self.min_days_left => Some(format!(
                "certificate expires in {} days ({}), under the {}-day margin",
                facts.days_left, facts.not_after, self.min_days_left
            )),
            Aspect::Protocol if !matches!(facts.version.as_str(), "TLSv1_2" | "TLSv1_3") => {
                Some(format!("negotiated `{}`, below TLS 1.2", facts.version))
            }
            _ => None,
        };
        match message {
            Some(m) => cx.report(Finding {
                location: at,
                message: m,
                waiver: None,
            }),
            None => cx.evidence(Finding {
                location: at,
                message: format!("{}, {} days left", facts.version, facts.days_left),
                waiver: None,
            }),
        }
        Ok(Applicability::Applicable)
    }
}
