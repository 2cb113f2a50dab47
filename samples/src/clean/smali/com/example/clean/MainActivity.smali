.class public Lcom/example/clean/MainActivity;
.super Landroid/app/Activity;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Landroid/app/Activity;-><init>()V
    return-void
.end method

.method protected onCreate(Landroid/os/Bundle;)V
    .registers 3
    invoke-super {p0, p1}, Landroid/app/Activity;->onCreate(Landroid/os/Bundle;)V
    const-string v0, "隐私政策"
    invoke-virtual {p0, v0}, Lcom/example/clean/MainActivity;->setTitle(Ljava/lang/CharSequence;)V
    const-string v0, "https://www.example.com/privacy"
    invoke-direct {p0, v0}, Lcom/example/clean/MainActivity;->showPolicy(Ljava/lang/String;)V
    return-void
.end method

.method private showPolicy(Ljava/lang/String;)V
    .registers 3
    new-instance v0, Landroid/widget/TextView;
    invoke-direct {v0, p0}, Landroid/widget/TextView;-><init>(Landroid/content/Context;)V
    invoke-virtual {v0, p1}, Landroid/widget/TextView;->setText(Ljava/lang/CharSequence;)V
    invoke-virtual {p0, v0}, Lcom/example/clean/MainActivity;->setContentView(Landroid/view/View;)V
    return-void
.end method
