//! What the generated [`ApiError`] of DigiCert's error envelope adds by hand: its code without
//! suffixes, and how it prints.

use crate::responses::ApiError;
use std::fmt;

impl ApiError {
    /// The code without its `|` suffixes.
    ///
    /// ```
    /// # use certcentral_table::responses as certcentral; // as `certcentral` re-exports it
    /// let e = certcentral::ApiError { code: "not_found|product".into(), message: "Product not found".into() };
    /// assert_eq!(e.base_code(), "not_found");
    /// assert_eq!(e.to_string(), "not_found|product: Product not found");
    /// ```
    pub fn base_code(&self) -> &str {
        self.code.split('|').next().unwrap_or(&self.code)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}
