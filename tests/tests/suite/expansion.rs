//! Snapshots of what the derive expands to, for representative types (the macro's own
//! internals, compiled here by path, formatted with prettyplease).

#[path = "../../../macros/src/internals/mod.rs"]
#[allow(dead_code)]
mod internals;

fn expand(input: syn::DeriveInput) -> String {
    let tokens = internals::derive(&input);
    let file: syn::File = syn::parse2(tokens).expect("the expansion is valid Rust");
    prettyplease::unparse(&file)
}

#[test]
fn premium_with_fixed_indicator() {
    insta::assert_snapshot!(expand(syn::parse_quote! {
        #[order(product = "client_premium", common_name_indicator = "given_name_surname", signature_hash = "sha256")]
        struct EmployeeCert {
            #[order(param = "certificate.common_name")]
            display_name: String,
            emails: Vec<String>,
            #[order(param = "certificate.individual.first_name")]
            first: String,
            #[order(param = "certificate.individual.last_name")]
            last: String,
            #[order(param = "organization.id")]
            org: i64,
            #[order(param = "order_validity.years")]
            years: u8,
        }
    }));
}

#[test]
fn class1_with_optional_fields_and_a_warning() {
    insta::assert_snapshot!(expand(syn::parse_quote! {
        #[order(product = "class1_smime", signature_hash = "sha256", skip_approval = true)]
        struct Mailbox<'a> {
            emails: &'a [String],
            #[order(param = "order_validity.days")]
            days: Option<u32>,
            #[order(param = "order_validity.years")]
            years: Option<u8>,
            validity_years: u8,
            #[order(skip)]
            note: String,
        }
    }));
}

#[test]
fn an_invalid_type_expands_to_errors_and_a_stub() {
    insta::assert_snapshot!(expand(syn::parse_quote! {
        #[order(product = "class1_smime", signature_hash = "sha256")]
        struct Bad {
            emails: Vec<String>,
            common_name: String,
            #[order(param = "order_validity.years")]
            years: u8,
        }
    }));
}

/// `#[order(crate = "…")]`: every path of the expansion goes through the given one, so a
/// renamed or re-exported dependency works (as serde's `crate` attribute).
#[test]
fn a_renamed_crate_path() {
    let expanded = expand(syn::parse_quote! {
        #[order(product = "class1_smime", signature_hash = "sha256", crate = "sdk::certs")]
        struct Renamed {
            emails: Vec<String>,
            #[order(param = "order_validity.years")]
            years: u8,
        }
    });
    assert!(!expanded.contains("::certcentral"), "{expanded}");
    assert!(
        expanded.contains("impl sdk::certs::ClientCertificateOrder for Renamed"),
        "{expanded}"
    );
    insta::assert_snapshot!(expanded);
}
