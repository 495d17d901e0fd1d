use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime")]
enum Order {
    A,
}

fn main() {}
