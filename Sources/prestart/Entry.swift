import ArgumentParser
import PrestartCore

@main
enum Entry {
    static func main() async {
        SignalRelay.install()
        await Prestart.main()
    }
}
